import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { dumpToString, FULL, type DumpedText } from './sqlite-dump-helpers.js';

/** The test server: PostgreSQL on 127.0.0.1:5432, trust auth. A missing server fails the tests. */
export const PG_SERVER = 'postgres://postgres@127.0.0.1:5432';

/** The URL of database `name` on the test server. */
export const pgUrl = (name: string): string => `${PG_SERVER}/${name}`;

/** A parsed target for database `name`. */
export const pgTarget = (name: string): ConnectionTarget =>
  postgresEngine.parseUrl(pgUrl(name), process.cwd());

/** A database name no other test (or parallel run) uses. */
export const uniqueDbName = (prefix = 'lbtest'): string =>
  `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

/** Runs SQL on a database through `pg` (several statements allowed). */
export async function pgExec(db: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl(db) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (from template0) and returns its name. */
export async function createDb(name = uniqueDbName()): Promise<string> {
  await pgExec('postgres', `CREATE DATABASE "${name}" TEMPLATE template0`);
  return name;
}

/** Drops a database if it exists, disconnecting its sessions. */
export async function dropDb(name: string): Promise<void> {
  await pgExec('postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** `psql -X -v ON_ERROR_STOP=1 [-1] -f -` with `sql` on stdin. */
export function psql(db: string, sql: string | Buffer, single = true): string {
  return execFileSync(
    'psql',
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...(single ? ['-1'] : []), '-d', pgUrl(db), '-f', '-'],
    { input: sql, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** `pg_dump <args> <db>` as text, with the random `\restrict` keys normalised. */
export function pgDump(db: string, args: readonly string[] = []): string {
  const out = execFileSync('pg_dump', [...args, '-d', pgUrl(db)], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  return out.replace(/^\\(un)?restrict \S+$/gm, '\\$1restrict KEY');
}

/** The oracle fixture: an application database using every object kind lifeboat reproduces. */
export const PG_FIXTURE = readFileSync(
  new URL('../fixtures/postgres/app-schema.sql', import.meta.url),
  'utf8',
);

/** A test file's databases: `fresh()` creates one, `track()` adopts a name; all dropped after. */
export function scratchDatabases(): {
  fresh: () => Promise<string>;
  track: (name: string) => string;
} {
  const dbs: string[] = [];
  afterAll(async () => {
    for (const db of dbs) await dropDb(db);
  });
  return {
    fresh: async () => {
      const name = await createDb();
      dbs.push(name);
      return name;
    },
    track: (name) => {
      dbs.push(name);
      return name;
    },
  };
}

/**
 * The oracle fixture loaded into a fresh database of `dbs` and dumped by lifeboat, once per
 * test file (before its tests): `source` is the database, `dumped` lifeboat's dump of it.
 */
export function dumpedFixture(dbs: ReturnType<typeof scratchDatabases>): {
  source: string;
  dumped: DumpedText;
} {
  const fixture = { source: '', dumped: undefined as unknown as DumpedText };
  beforeAll(async () => {
    fixture.source = await dbs.fresh();
    psql(fixture.source, PG_FIXTURE);
    fixture.dumped = await dumpToString(postgresEngine, pgTarget(fixture.source), FULL);
  });
  return fixture;
}
