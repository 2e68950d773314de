import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { dumpToString, FULL, type DumpedText } from './sqlite-dump-helpers.js';

/** The MariaDB server the tests use; a missing server fails the tests, it does not skip them. */
export const MYSQL_HOST = '127.0.0.1';
export const MYSQL_PORT = 3306;
const CLIENT_ARGS = ['-uroot', `-h${MYSQL_HOST}`, `-P${MYSQL_PORT}`];

/** A unique database name, so test files can run in parallel with each other and with others'. */
export function uniqueDb(prefix: string): string {
  return `lbt_${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/** `mysql://root@127.0.0.1:3306/<db>`. */
export function mysqlUrl(db: string): string {
  return `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/${db}`;
}

/** The engine's target for `db`. */
export function mysqlTarget(db: string): ConnectionTarget {
  return mysqlEngine.parseUrl(mysqlUrl(db), '/');
}

/**
 * Runs SQL with the `mariadb` client (the oracle), in `db` when given; returns stdout. A
 * failing statement throws, with the client's message in the error.
 */
export function mariadb(sql: string | Buffer, db?: string, extra: readonly string[] = []): string {
  return execFileSync('mariadb', [...CLIENT_ARGS, ...extra, ...(db ? [db] : [])], {
    input: sql,
    maxBuffer: 1 << 30,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `mariadb-dump <args> <db>` output as bytes: without --hex-blob it holds raw binary strings. */
export function mariadbDumpBytes(db: string, args: readonly string[] = []): Buffer {
  return execFileSync('mariadb-dump', [...CLIENT_ARGS, ...args, db], { maxBuffer: 1 << 30 });
}

/** `mariadb-dump <args> <db>` output as text (for schema-only comparisons). */
export function mariadbDump(db: string, args: readonly string[] = []): string {
  return mariadbDumpBytes(db, args).toString('utf8');
}

/** Creates an empty database (utf8mb4) and returns its name. */
export function createDb(prefix: string): string {
  const db = uniqueDb(prefix);
  mariadb(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  return db;
}

/** Drops databases (ignoring missing ones). */
export function dropDbs(...dbs: readonly string[]): void {
  if (dbs.length > 0) mariadb(dbs.map((db) => `DROP DATABASE IF EXISTS \`${db}\`;`).join('\n'));
}

/**
 * A server-side content checksum of every base table of `db`, by name: `CHECKSUM TABLE` for
 * tables without generated columns (for a system-versioned table it covers every version
 * of every row, with its ROW START / ROW END), and for tables with them the count and sum of CRC32 over
 * the hex of every column. CHECKSUM TABLE hashes the physical row, and MariaDB 10.11 gives
 * different results for identical rows of a table with a STORED/VIRTUAL column depending on
 * how the row was written (even `mariadb-dump | mariadb` changes it), so it cannot be the
 * oracle there.
 */
export function checksumTables(db: string): Record<string, string> {
  const rows = mariadb(
    `SELECT t.TABLE_NAME, GROUP_CONCAT(CONCAT('HEX(\`', c.COLUMN_NAME, '\`)') ORDER BY c.ORDINAL_POSITION),
            SUM(c.EXTRA LIKE '%GENERATED%' AND COALESCE(c.GENERATION_EXPRESSION, '') NOT IN ('ROW START', 'ROW END'))
       FROM information_schema.TABLES t JOIN information_schema.COLUMNS c
         ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
      WHERE t.TABLE_SCHEMA='${db}' AND t.TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
      GROUP BY t.TABLE_NAME ORDER BY 1`,
    undefined,
    ['-N'],
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
  const result: Record<string, string> = {};
  for (const [name = '', columns = '', generated = '0'] of rows) {
    const sql =
      generated === '0'
        ? `CHECKSUM TABLE \`${db}\`.\`${name}\` EXTENDED`
        : `SELECT 'x', CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS('|', ${columns}))), 0)) FROM \`${db}\`.\`${name}\``;
    result[name] = mariadb(sql, undefined, ['-N']).trim().split('\t')[1] ?? '';
  }
  return result;
}

/** What {@link useFixtureDb} provides to the tests of a describe block. */
export interface FixtureDb {
  /** The database holding the fixture (set in beforeAll). */
  readonly source: ConnectionTarget;
  /** lifeboat's full dump of it, taken once. */
  readonly full: DumpedText;
  /** A new database name (not created) that afterAll drops. */
  fresh(prefix?: string): ConnectionTarget;
  /** A new empty database that afterAll drops. */
  created(prefix: string): string;
}

/**
 * Loads the fixture file `test/fixtures/mysql/<file>` into a new database with the `mariadb`
 * client and dumps it with lifeboat, before the tests of the calling describe block; drops
 * every database it handed out afterwards.
 */
export function useFixtureDb(file: string, prefix: string): FixtureDb {
  const dbs: string[] = [];
  const fixture: { source?: ConnectionTarget; full?: DumpedText } = {};
  beforeAll(async () => {
    const db = createDb(prefix);
    dbs.push(db);
    mariadb(readFileSync(new URL(`../fixtures/mysql/${file}`, import.meta.url)), db);
    fixture.source = mysqlTarget(db);
    fixture.full = await dumpToString(mysqlEngine, fixture.source, FULL);
  });
  afterAll(() => dropDbs(...dbs));
  return {
    get source() {
      return fixture.source as ConnectionTarget;
    },
    get full() {
      return fixture.full as DumpedText;
    },
    fresh: (name = 'restored') => {
      const db = uniqueDb(name);
      dbs.push(db);
      return mysqlTarget(db);
    },
    created: (name) => {
      const db = createDb(name);
      dbs.push(db);
      return db;
    },
  };
}
