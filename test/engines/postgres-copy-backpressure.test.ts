import { afterAll, beforeAll, expect, test } from 'vitest';
import pg from 'pg';
import type { Socket } from 'node:net';
import type { DumpWriter } from '../../src/engines/engine.js';
import { copyOut, prepareSession } from '../../src/engines/postgres/postgres-session.js';
import { createDb, dropDb, pgExec, pgUrl } from '../support/postgres-db.js';

let db: string;
beforeAll(async () => {
  db = await createDb();
  // ~16 MiB of COPY text: far more than any buffer between the server and the dumper.
  await pgExec(
    db,
    `CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 16) AS v FROM generate_series(1, 32000) g`,
  );
});
afterAll(async () => {
  await dropDb(db);
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('copyOut stops reading the server while a write is pending (memory stays flat)', async () => {
  const client = new pg.Client({ connectionString: pgUrl(db) });
  await client.connect();
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  let writes = 0;
  let taken = 0;
  // A pipeline that takes one chunk and then never drains.
  const stuck: DumpWriter = {
    write: (bytes) => {
      writes++;
      taken += bytes.length;
      expect(Buffer.isBuffer(bytes)).toBe(true);
      return new Promise<void>(() => undefined);
    },
  };
  try {
    await prepareSession(client);
    const before = socket.bytesRead;
    const copying = copyOut(
      client,
      'COPY public.big TO STDOUT',
      stuck,
      new AbortController().signal,
    );
    copying.catch(() => undefined);
    for (let i = 0; i < 100 && writes === 0; i++) await sleep(20);
    expect(writes).toBe(1);
    await sleep(300);
    const read = socket.bytesRead - before;
    await sleep(300);
    // Nothing more was read while the write waited, and what was read is a few socket buffers.
    expect(socket.bytesRead - before).toBe(read);
    expect(writes).toBe(1);
    expect(taken).toBeLessThan(256 * 1024);
    expect(read).toBeLessThan(2 << 20);
  } finally {
    // The COPY is still running: drop the connection rather than wait for it.
    client.on('error', () => undefined);
    socket.destroy();
  }
});
