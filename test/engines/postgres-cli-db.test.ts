import { beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { PG_FIXTURE, pgExec, pgUrl, psql, scratchDatabases } from '../support/postgres-db.js';

interface TableResult {
  table: string;
  status: string;
  message?: string;
}
interface Report {
  ok: boolean;
  tables: TableResult[];
  notes: string[];
}

/** The single value a query returns, as psql prints it. */
const value = (db: string, sql: string): string =>
  psql(db, `\\pset format unaligned\n\\pset tuples_only on\n${sql};`).trim();
const count = (db: string, table: string): string => value(db, `SELECT count(*) FROM ${table}`);

/** `lifeboat db <action> <url> --json`, with its exit code. */
async function db(action: string, url: string): Promise<{ code: number | null; out: unknown }> {
  const res = await lifeboat(['db', action, url, '--json'], { cwd: tempDir() });
  expect(res.stderr).not.toContain('error:');
  return { code: res.code, out: JSON.parse(res.stdout) };
}

describe('lifeboat db info|optimize|check|repair (PostgreSQL)', () => {
  const dbs = scratchDatabases();
  let source: string;

  beforeAll(async () => {
    source = await dbs.fresh();
    psql(source, PG_FIXTURE);
  });

  it('info lists every table with its size and the planner estimate, largest first', async () => {
    const { code, out } = await db('info', pgUrl(source));
    expect(code).toBe(0);
    const info = (
      out as {
        info: {
          sizeBytes: number;
          serverVersion: string;
          tables: { name: string; rows: number; sizeBytes: number }[];
        };
      }
    ).info;
    expect(info.serverVersion).toMatch(/^15\./);
    expect(info.sizeBytes).toBeGreaterThan(1_000_000);
    expect(info.tables.length).toBe(58);
    const sizes = info.tables.map((t) => t.sizeBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    // The fixture ends with ANALYZE: the estimates are the row counts.
    expect(info.tables.find((t) => t.name === 'app.orders')).toMatchObject({ rows: 200 });
    expect(info.tables.find((t) => t.name === 'app.order_items')).toMatchObject({ rows: 600 });
  });

  it('optimize vacuums and analyzes every table and says so per table', async () => {
    const { code, out } = await db('optimize', pgUrl(source));
    expect(code).toBe(0);
    const report = (out as { report: Report }).report;
    expect(report.ok).toBe(true);
    expect(report.tables.length).toBe(58);
    expect(report.tables.every((t) => t.status === 'analyzed')).toBe(true);
    expect(
      value(
        source,
        'SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL',
      ),
    ).toBe('58');
  });

  it('check reads every table, uses amcheck once installed, and finds an index that lost rows', async () => {
    const plain = await db('check', pgUrl(source));
    expect(plain.code).toBe(0);
    const before = (plain.out as { report: Report }).report;
    expect(before.tables.every((t) => t.status === 'ok')).toBe(true);
    expect(before.notes.join(' ')).toContain('amcheck is not installed');

    // An index over a function that changes behind the index's back: amcheck's
    // heapallindexed check finds heap rows whose key the index does not hold.
    await pgExec(
      source,
      `CREATE EXTENSION amcheck;
       CREATE FUNCTION app.bucket(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';
       CREATE TABLE app.buckets (n int);
       INSERT INTO app.buckets SELECT generate_series(1, 500);
       CREATE INDEX buckets_bucket_idx ON app.buckets (app.bucket(n));`,
    );
    const clean = await db('check', pgUrl(source));
    expect(clean.code).toBe(0);
    expect((clean.out as { report: Report }).report.notes.join(' ')).toContain('bt_index_check');
    await pgExec(
      source,
      `CREATE OR REPLACE FUNCTION app.bucket(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1'`,
    );
    const broken = await db('check', pgUrl(source));
    expect(broken.code).toBe(1);
    const report = (broken.out as { report: Report }).report;
    expect(report.ok).toBe(false);
    const bad = report.tables.filter((t) => t.status === 'error');
    expect(bad.map((t) => t.table)).toEqual(['app.buckets']);
    expect(bad[0]?.message).toMatch(/lacks matching index tuple/);

    // repair rebuilds the indexes (REINDEX TABLE), after which the check passes again.
    const repair = await db('repair', pgUrl(source));
    expect(repair.code).toBe(0);
    const repaired = (repair.out as { report: Report }).report;
    expect(repaired.tables.find((t) => t.table === 'app.buckets')?.status).toBe('reindexed');
    expect(repaired.tables.every((t) => t.status === 'reindexed')).toBe(true);
    const again = await db('check', pgUrl(source));
    expect(again.code).toBe(0);
    // Reindexing changes no rows.
    expect(count(source, 'app.buckets')).toBe('500');
  });

  it('prints a table of what it did per table without --json', async () => {
    const res = await lifeboat(['db', 'optimize', pgUrl(source)], { cwd: tempDir() });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/app\.orders\s+analyzed/);
    expect(res.stdout).toMatch(/audit\.events\s+analyzed/);
  });
});
