import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, dropDb, pgExec, pgUrl } from '../../../test/support/postgres-db.js';
import type { DumpWriter } from '../engine.js';
import { murmur3x86_128 } from '../shared/row-hash.js';
import type { ChecksumAlgorithm, CopyChecksum } from './postgres-checksum.js';
import { copyOut, prepareSession } from './postgres-session.js';

/** The lifeboat-postgres-v2 definition written out: each line's MurmurHash3_x86_128, summed. */
function v2(lines: readonly Buffer[]): string {
  let sum = 0n;
  const h = new Int32Array(4);
  for (const l of lines) {
    murmur3x86_128(l, 0, l.length, h);
    sum += [...h].reduce((acc, w) => (acc << 32n) | BigInt(w >>> 0), 0n);
  }
  return `lifeboat-postgres-v2:${(sum % 2n ** 128n).toString(16).padStart(32, '0')}`;
}

/** The lifeboat-postgres-v1 definition written out: first 16 digest bytes of each line, summed. */
function v1(lines: readonly Buffer[]): string {
  let sum = 0n;
  for (const l of lines)
    sum += BigInt(`0x${createHash('sha256').update(l).digest('hex').slice(0, 32)}`);
  return `lifeboat-postgres-v1:${(sum % 2n ** 128n).toString(16).padStart(32, '0')}`;
}

function linesOf(text: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = text.indexOf(10); nl >= 0; nl = text.indexOf(10, start)) {
    lines.push(text.subarray(start, nl));
    start = nl + 1;
  }
  expect(start).toBe(text.length);
  return lines;
}

let db: string;
let client: pg.Client;
beforeAll(async () => {
  db = await createDb();
  // Rows from empty to 3 MiB: many per socket read, and rows cut across reads (and across
  // message headers) at every kind of offset; multi-byte text, tabs and newlines escaped.
  await pgExec(
    db,
    `CREATE TABLE mix (id int, t text, b bytea);
     INSERT INTO mix SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE repeat('é😀	x' || chr(10), g % 97) END,
       decode(repeat(md5(g::text), g % 23), 'hex') FROM generate_series(1, 30000) g;
     INSERT INTO mix SELECT 100000 + g, repeat('L', 400000 * g), NULL FROM generate_series(1, 4) g;
     INSERT INTO mix VALUES (NULL, NULL, NULL), (NULL, '', '');
     CREATE TABLE empty_t (a int);`,
  );
  client = new pg.Client({ connectionString: pgUrl(db) });
  await client.connect();
  await prepareSession(client);
});
afterAll(async () => {
  await client.end();
  await dropDb(db);
});

/** Runs copyOut into a collecting writer; returns the bytes and the checksum. */
async function copy(
  sql: string,
  algorithm?: ChecksumAlgorithm,
): Promise<{ text: Buffer; checksum: CopyChecksum }> {
  const parts: Buffer[] = [];
  const out: DumpWriter = { write: async (b) => void parts.push(Buffer.from(b)) };
  const signal = new AbortController().signal;
  const checksum = await copyOut(client, sql, out, signal, undefined, algorithm);
  return { text: Buffer.concat(parts), checksum };
}

describe('copyOut over the raw COPY protocol', () => {
  it('writes exactly the COPY text and checksums it as lifeboat-postgres-v2', async () => {
    const { text, checksum } = await copy('COPY public.mix TO STDOUT');
    // The reference bytes: psql's own COPY to stdout (int, text and hex bytea only, so the
    // session settings do not matter).
    const psql = spawnSync('psql', ['-X', '-q', pgUrl(db), '-c', 'COPY public.mix TO STDOUT'], {
      maxBuffer: 1 << 28,
      env: { ...process.env, PGCLIENTENCODING: 'UTF8' },
    });
    expect(psql.status).toBe(0);
    expect(text.length).toBe(psql.stdout.length);
    expect(text.equals(psql.stdout)).toBe(true);
    const lines = linesOf(text);
    expect(lines.length).toBe(30006);
    expect(checksum.rows).toBe(30006);
    expect(checksum.toString()).toBe(v2(lines));
  });

  it('still computes lifeboat-postgres-v1 when asked (artifacts written before v2)', async () => {
    const { text, checksum } = await copy('COPY public.mix TO STDOUT', 'lifeboat-postgres-v1');
    expect(checksum.toString()).toBe(v1(linesOf(text)));
    const measured = await copyOut(
      client,
      'COPY public.mix TO STDOUT',
      undefined,
      new AbortController().signal,
      undefined,
      'lifeboat-postgres-v1',
    );
    expect(measured.toString()).toBe(checksum.toString());
  });

  it('gives the same bytes and checksum on a second run, and an empty table sums to zero', async () => {
    const a = await copy('COPY public.mix TO STDOUT');
    const b = await copy('COPY public.mix TO STDOUT');
    expect(b.text.equals(a.text)).toBe(true);
    expect(b.checksum.toString()).toBe(a.checksum.toString());
    const empty = await copy('COPY public.empty_t TO STDOUT');
    expect(empty.text.length).toBe(0);
    expect(empty.checksum.rows).toBe(0);
    expect(empty.checksum.toString()).toBe(`lifeboat-postgres-v2:${'0'.repeat(32)}`);
  });

  it('reports a server error and leaves the connection usable', async () => {
    await expect(copy('COPY public.no_such_table TO STDOUT')).rejects.toThrow(/no_such_table/);
    const { rows } = await client.query<{ n: number }>('SELECT 41 + 1 AS n');
    expect(rows[0]?.n).toBe(42);
    // And a COPY after the failed one works.
    const { checksum } = await copy('COPY public.mix TO STDOUT');
    expect(checksum.rows).toBe(30006);
  });

  it('closes the connection when the writer fails mid-COPY, so cleanup does not hang', async () => {
    const other = new pg.Client({ connectionString: pgUrl(db) });
    other.on('error', () => undefined);
    await other.connect();
    const failing: DumpWriter = {
      write: () => Promise.reject(new Error('storage is full')),
    };
    await expect(
      copyOut(other, 'COPY public.mix TO STDOUT', failing, new AbortController().signal),
    ).rejects.toThrow('storage is full');
    // The caller's ROLLBACK fails at once instead of queueing behind a COPY nobody reads.
    const started = Date.now();
    await expect(other.query('ROLLBACK')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    await other.end().catch(() => undefined);
  });

  it('measures without a writer (summaries) to the same checksum', async () => {
    const { checksum } = await copy('COPY public.mix TO STDOUT');
    const measured = await copyOut(
      client,
      'COPY public.mix TO STDOUT',
      undefined,
      new AbortController().signal,
    );
    expect(measured.rows).toBe(checksum.rows);
    expect(measured.toString()).toBe(checksum.toString());
  });
});
