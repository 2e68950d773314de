import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionTarget, Engine } from '../../src/engines/engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { createDb, dropDb, pgExec, pgTarget, pgUrl } from '../support/postgres-db.js';
import { sqlite3 } from '../support/sqlite-cli.js';

/**
 * Rows and the shortest stall_timeout per engine. The timeout is a third of what measuring the
 * source takes on this machine right now (at most a second): fixed windows were either longer
 * than the pass on a quiet machine or crossed by scheduling pauses alone on a busy one. SQLite's
 * restore loads each chunk synchronously, which on a loaded 2-core machine can hold the event
 * loop for a few hundred ms while loading, so its window is never under half a second, and
 * PostgreSQL's never under 0.7 s.
 */
const SQLITE = { rows: 500_000, floorMs: 500 };
const PG = { rows: 3_000_000, floorMs: 700 };

const dbs: string[] = [];
afterAll(async () => {
  for (const db of dbs) await dropDb(db);
});

/**
 * Runs plan `nightly` (verify: deep, a stall_timeout under half of what measuring the database
 * takes — what the deep verify's restore does before it commits) on `url`.
 */
async function runDeepPlan(
  engine: Engine,
  target: ConnectionTarget,
  url: string,
  size: { rows: number; floorMs: number },
) {
  const t0 = performance.now();
  const summaries = await engine.summarize(target, undefined, {
    signal: new AbortController().signal,
  });
  const measureMs = performance.now() - t0;
  expect(summaries.find((s) => s.name === 'events')?.rows).toBe(size.rows);
  const stallMs = Math.round(Math.max(size.floorMs, Math.min(1000, measureMs / 3)));
  expect(measureMs).toBeGreaterThan(2 * stallMs);

  const dir = tempDir();
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      `connections: { big: { url: ${JSON.stringify(url)} } }`,
      'storage: { local: { type: local, path: ./backups } }',
      'plans:',
      // gzip: an uncompressed artifact of 300 MB ends in an fsync that alone outlasted a
      // window this short (STALLED in upload:local, before the verify this test is about).
      `  nightly: { connection: big, compress: gzip, verify: deep, stall_timeout: ${stallMs}ms }`,
      '',
    ].join('\n'),
  );
  const r = await lifeboat(['run', 'nightly', '--json'], { cwd: dir, env: cleanEnv() });
  const out = JSON.parse(r.stdout) as {
    ok: boolean;
    status: string;
    error?: { code: string; message: string };
  };
  expect(out.error).toBeUndefined();
  expect(out).toMatchObject({ ok: true, status: 'succeeded' });
  expect(r.code).toBe(0);
  // The measuring pass announced itself (JSON lines on stderr keep phases, drop rows).
  const phases = r.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event: string; phase?: string; message?: string })
    .filter((e) => e.event === 'phase');
  expect(phases).toContainEqual({
    event: 'phase',
    phase: 'verify',
    message: 'checking restored tables against the manifest',
  });
}

/**
 * A deep verify ends with the restore measuring every restored table (row counts and
 * checksums, a full re-read) before it commits. That pass moves no bytes, so it must report
 * progress itself: a plan whose stall_timeout is shorter than the pass must not be stopped
 * as STALLED in verify.
 */
describe('lifeboat run with verify: deep and a short stall_timeout', () => {
  it(
    'sqlite: does not stall while the restored tables are measured',
    { timeout: 60_000 },
    async () => {
      const dir = tempDir();
      sqlite3(
        join(dir, 'big.db'),
        `CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT, amount REAL, at INTEGER);
       WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${SQLITE.rows})
       INSERT INTO events SELECT i, 'kind-' || (i % 17), printf('%.60c', 'x') || i, i * 0.25, 1700000000 + i FROM seq;`,
      );
      const url = `sqlite:${join(dir, 'big.db')}`;
      await runDeepPlan(sqliteEngine, sqliteEngine.parseUrl(url, dir), url, SQLITE);
    },
  );

  it(
    'postgres: does not stall while the restored tables are measured',
    { timeout: 120_000 },
    async () => {
      const db = await createDb();
      dbs.push(db);
      // No index: building one after the data is a single statement that reports nothing,
      // whatever its length; this test is about the measuring pass that follows.
      await pgExec(
        db,
        `CREATE TABLE events (id integer, kind text, payload text, amount numeric, at bigint);
       INSERT INTO events SELECT i, 'kind-' || (i % 17), repeat('x', 60) || i, i * 0.25, 1700000000 + i
         FROM generate_series(1, ${PG.rows}) i;`,
      );
      await runDeepPlan(postgresEngine, pgTarget(db), pgUrl(db), PG);
    },
  );
});
