import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  ConnectionTarget,
  Engine,
  MeasureProgress,
  RestoreProgress,
} from '../../src/engines/engine.js';
import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { writeWholeDump } from '../../src/jobs/verify/deep.js';
import { tempDir } from '../support/cli.js';
import * as my from '../support/mysql-db.js';
import * as pgdb from '../support/postgres-db.js';
import { sqlite3 } from '../support/sqlite-cli.js';

const ROWS = 40_000;

/** The engine's own dump of `source`, as the chunks a restore reads. */
async function dumpOf(engine: Engine, source: ConnectionTarget): Promise<Buffer[]> {
  const signal = new AbortController().signal;
  const session = await engine.openDump(source, { schema: true, data: true }, { signal });
  const parts: Buffer[] = [];
  await writeWholeDump(session, {
    write: async (text) => void parts.push(Buffer.isBuffer(text) ? text : Buffer.from(text)),
  });
  return parts;
}

async function* chunks(parts: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* parts;
}

type Logged = { kind: 'load'; p: RestoreProgress } | { kind: 'measure'; p: MeasureProgress };

/** Checks the reports of one measuring pass over `big` (ROWS rows) and `small` (3 rows). */
function expectMeasuring(measures: readonly MeasureProgress[]): void {
  const big = measures.filter((m) => m.table === 'big');
  const during = big.filter((m) => m.summary === undefined && m.rows > 0);
  // Reported while the table was read, not only at its start and end.
  expect(during.filter((m) => m.rows < ROWS).length).toBeGreaterThanOrEqual(2);
  const rows = big.map((m) => m.rows);
  expect(rows).toEqual([...rows].sort((a, b) => a - b));
  expect(new Set(during.map((m) => m.rows)).size).toBe(during.length);
  expect(during.every((m) => m.rows <= ROWS)).toBe(true);
  expect(big[0]?.rows).toBe(0);
  expect(big.at(-1)?.summary).toMatchObject({ name: 'big', rows: ROWS });
  expect(big.filter((m) => m.summary !== undefined)).toHaveLength(1);
  const small = measures.filter((m) => m.table === 'small');
  expect(small.at(-1)?.summary).toMatchObject({ name: 'small', rows: 3 });
  const totals = new Set(measures.map((m) => m.total));
  expect([...totals]).toEqual([2]);
  expect(new Set(measures.map((m) => m.index))).toEqual(new Set([0, 1]));
}

interface EngineCase {
  readonly engine: Engine;
  /** A source holding `big` (ROWS rows) and `small` (3 rows), and an empty target. */
  setup(): Promise<{ source: ConnectionTarget; target: ConnectionTarget }>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const cases: Record<string, EngineCase> = {
  sqlite: {
    engine: sqliteEngine,
    setup: async () => {
      const dir = tempDir();
      sqlite3(
        join(dir, 'source.db'),
        `CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT, n REAL);
         WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${ROWS})
         INSERT INTO big SELECT i, 'row ' || i, i * 0.5 FROM seq;
         CREATE TABLE small (id INTEGER PRIMARY KEY, name TEXT);
         INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');`,
      );
      return {
        source: sqliteEngine.parseUrl('sqlite:./source.db', dir),
        target: sqliteEngine.parseUrl('sqlite:./target.db', dir),
      };
    },
  },
  postgres: {
    engine: postgresEngine,
    setup: async () => {
      const source = await pgdb.createDb();
      const target = await pgdb.createDb();
      cleanups.push(
        () => pgdb.dropDb(source),
        () => pgdb.dropDb(target),
      );
      await pgdb.pgExec(
        source,
        `CREATE TABLE big (id integer PRIMARY KEY, body text, n numeric);
         INSERT INTO big SELECT i, 'row ' || i, i * 0.5 FROM generate_series(1, ${ROWS}) i;
         CREATE TABLE small (id integer PRIMARY KEY, name text);
         INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');`,
      );
      return { source: pgdb.pgTarget(source), target: pgdb.pgTarget(target) };
    },
  },
  mysql: {
    engine: mysqlEngine,
    setup: async () => {
      const source = my.createDb('lbmeasure');
      const target = my.createDb('lbmeasure');
      cleanups.push(() => my.dropDbs(source, target));
      my.mariadb(
        `CREATE TABLE big (id INT PRIMARY KEY, body VARCHAR(40), n DOUBLE);
         INSERT INTO big SELECT seq, CONCAT('row ', seq), seq * 0.5 FROM seq_1_to_${ROWS};
         CREATE TABLE small (id INT PRIMARY KEY, name VARCHAR(10));
         INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');`,
        source,
      );
      return { source: my.mysqlTarget(source), target: my.mysqlTarget(target) };
    },
  },
};

describe.each(Object.entries(cases))('%s: measuring progress', (_name, c) => {
  it(
    'a restore reports its measuring pass, row by row batch, before it resolves',
    { timeout: 60_000 },
    async () => {
      const { source, target } = await c.setup();
      const sql = await dumpOf(c.engine, source);
      const log: Logged[] = [];
      let resolved = false;
      const signal = new AbortController().signal;
      const result = await c.engine.restore(target, chunks(sql), {
        signal,
        onProgress: (p) => void log.push({ kind: 'load', p }),
        onMeasure: (p) => {
          expect(resolved).toBe(false);
          log.push({ kind: 'measure', p });
        },
      });
      resolved = true;
      const measures = log.flatMap((l) => (l.kind === 'measure' ? [l.p] : []));
      expectMeasuring(measures);
      // Measuring starts once the SQL is in: no loading report comes after the first measure.
      const firstMeasure = log.findIndex((l) => l.kind === 'measure');
      const lastLoad = log.findLastIndex((l) => l.kind === 'load');
      expect(lastLoad).toBeGreaterThanOrEqual(0);
      expect(lastLoad).toBeLessThan(firstMeasure);
      // What was reported is what the restore returns.
      const reported = measures.flatMap((m) => (m.summary ? [m.summary] : []));
      expect(reported).toEqual(expect.arrayContaining([...result.tables]));
      expect(result.tables).toHaveLength(2);

      // summarize reports the same way, and measures the same checksums.
      const again: MeasureProgress[] = [];
      const summaries = await c.engine.summarize(target, ['big', 'small'], {
        signal,
        onMeasure: (p) => void again.push(p),
      });
      expectMeasuring(again);
      expect([...summaries].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
        [...result.tables].sort((a, b) => a.name.localeCompare(b.name)),
      );
    },
  );
});
