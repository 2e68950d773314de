import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { startPgServer, type PgServer } from '../support/pg-servers.js';
import { chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

/**
 * A restore into an existing database is one transaction, which locks every table and index
 * it creates: a database of many tables can exhaust the server's lock table
 * (`max_locks_per_transaction × max_connections`). The server's "out of shared memory" alone
 * does not say what to do; the restore's error does. Here the lock table is sized for 500
 * locks; 400 tables with a primary key, an index and a TOAST table take about five each.
 */
let server: PgServer;
const signal = (): AbortSignal => new AbortController().signal;
const target = (database: string): ConnectionTarget =>
  postgresEngine.parseUrl(`${server.url}/${database}`, process.cwd());

async function sql(database: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${server.url}/${database}` });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await startPgServer(16, { max_locks_per_transaction: '10' });
  await sql('postgres', 'CREATE DATABASE many');
  await sql('postgres', 'CREATE DATABASE existing');
  for (let i = 0; i < 400; i += 50) {
    const tables = Array.from({ length: 50 }, (_, k) => i + k).map(
      (n) => `CREATE TABLE t${n} (id int PRIMARY KEY, v text); CREATE INDEX ON t${n} (v);`,
    );
    await sql('many', tables.join('\n'));
  }
}, 60_000);
afterAll(async () => server?.stop());

test('a restore that runs out of lock slots says how to get past it, and changes nothing', async () => {
  const dumped = await dumpToString(postgresEngine, target('many'), FULL);
  expect(dumped.tables).toHaveLength(400);
  await sql('existing', 'CREATE TABLE keep (x int); INSERT INTO keep VALUES (1);');
  const error = await postgresEngine
    .restore(target('existing'), chunked(dumped.sql), { signal: signal() })
    .catch((e: unknown) => e);
  expect(isLifeboatError(error, 'RESTORE_FAILED'), String(error)).toBe(true);
  expect((error as Error).message).toContain('out of shared memory');
  expect((error as { hint: string }).hint).toMatch(
    /raise max_locks_per_transaction .*restore into a database that does not exist yet/,
  );
  // One transaction: the target still holds what it held.
  const client = new pg.Client({ connectionString: `${server.url}/existing` });
  await client.connect();
  const { rows } = await client.query(
    "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'",
  );
  await client.end();
  expect(rows[0]).toEqual({ n: 1 });
  // A database the restore creates is loaded without one big transaction: it succeeds.
  const fresh = await postgresEngine.restore(target('created'), chunked(dumped.sql), {
    signal: signal(),
  });
  expect(fresh.tables).toHaveLength(400);
}, 120_000);
