import { describe, expect, test } from 'vitest';
import type { ConnectionTarget, TableSummary } from '../../src/engines/engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { FREEZE_MIN_BYTES } from '../../src/engines/postgres/postgres-restore-copy.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import {
  pgDump,
  pgExec,
  pgTarget,
  dumpedFixture,
  scratchDatabases,
  uniqueDbName,
} from '../support/postgres-db.js';
import pg from 'pg';

const signal = (): AbortSignal => new AbortController().signal;
const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

async function exists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rows.length === 1;
  } finally {
    await client.end();
  }
}

/** Restores `sql` into a new database (the autocommit path) and into an existing empty one. */
async function both(
  dbs: ReturnType<typeof scratchDatabases>,
  sql: string,
): Promise<{ fresh: readonly TableSummary[]; single: readonly TableSummary[]; name: string }> {
  const name = dbs.track(uniqueDbName('lbfresh'));
  const fresh = await postgresEngine.restore(pgTarget(name), chunked(sql, 8192), {
    signal: signal(),
  });
  const existing = await dbs.fresh();
  const single = await postgresEngine.restore(pgTarget(existing), chunked(sql, 8192), {
    signal: signal(),
  });
  return { fresh: fresh.tables, single: single.tables, name };
}

describe('postgres restore into a database it creates: autocommit load, tables measured alongside', () => {
  const dbs = scratchDatabases();
  const fixture = dumpedFixture(dbs);

  test('oracle fixture: same summaries, in the same order, as the one-transaction path; measured during the load', async () => {
    const name = dbs.track(uniqueDbName('lbfresh'));
    let statementsAtFirstMeasure: number | undefined;
    let statements = 0;
    const result = await postgresEngine.restore(pgTarget(name), chunked(fixture.dumped.sql, 8192), {
      signal: signal(),
      onProgress: (p) => (statements = p.statements),
      onMeasure: () => (statementsAtFirstMeasure ??= statements),
    });
    const existing = await dbs.fresh();
    const single = await postgresEngine.restore(
      pgTarget(existing),
      chunked(fixture.dumped.sql, 8192),
      {
        signal: signal(),
      },
    );
    expect(result.tables).toEqual(single.tables);
    expect([...result.tables].sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      [...fixture.dumped.tables].sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(fixture.dumped.tables.length).toBeGreaterThan(50);
    // The first table was measured while the load still had statements to run.
    expect(statementsAtFirstMeasure).toBeDefined();
    expect(statementsAtFirstMeasure as number).toBeLessThan(result.statements);
    expect(normalize(pgDump(name, ['--data-only']))).toBe(
      normalize(pgDump(fixture.source, ['--data-only'])),
    );
    expect(normalize(pgDump(name, ['--schema-only']))).toBe(
      normalize(pgDump(fixture.source, ['--schema-only'])),
    );
  });

  test('COPY rows are measured as they are sent, not read back; readBack (verify --deep) reads them', async () => {
    const source = await dbs.fresh();
    await pgExec(
      source,
      `CREATE TABLE big (id int PRIMARY KEY, v text);
       INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 20000) g;`,
    );
    const dumped = await dumpToString(postgresEngine, pgTarget(source), FULL);
    const proxy = await startFaultProxy(5432);
    const through = (name: string): ConnectionTarget =>
      postgresEngine.parseUrl(`postgres://postgres@127.0.0.1:${proxy.port}/${name}`, process.cwd());
    try {
      const dataBytes = 20_000 * (6 + 256 + 1);
      const streamed = await postgresEngine.restore(
        through(dbs.track(uniqueDbName('lbfresh'))),
        chunked(dumped.sql, 65536),
        { signal: signal() },
      );
      expect(streamed.tables).toEqual(dumped.tables);
      // The server sent back replies, not the table.
      expect(proxy.bytesDown).toBeLessThan(dataBytes / 4);
      const before = proxy.bytesDown;
      const readBack = await postgresEngine.restore(
        through(dbs.track(uniqueDbName('lbfresh'))),
        chunked(dumped.sql, 65536),
        { signal: signal(), readBack: true },
      );
      expect(readBack.tables).toEqual(dumped.tables);
      expect(proxy.bytesDown - before).toBeGreaterThan(dataBytes);
    } finally {
      await proxy.stop();
    }
  });

  test('a load that fails in the last table leaves no database behind', async () => {
    const name = uniqueDbName('lbfresh');
    const at = fixture.dumped.sql.lastIndexOf('\n\\.\n');
    expect(at).toBeGreaterThan(0);
    const bad = `${fixture.dumped.sql.slice(0, at)}\nnot a row of this table\n${fixture.dumped.sql.slice(at + 1)}`;
    await expect(
      postgresEngine.restore(pgTarget(name), chunked(bad, 8192), { signal: signal() }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    expect(await exists(name)).toBe(false);
  });

  test('beforeCommit throwing leaves no database behind', async () => {
    const name = uniqueDbName('lbfresh');
    let seen: readonly TableSummary[] = [];
    await expect(
      postgresEngine.restore(pgTarget(name), chunked(fixture.dumped.sql, 8192), {
        signal: signal(),
        beforeCommit: (tables) => {
          seen = tables;
          throw new Error('checksums disagree');
        },
      }),
    ).rejects.toThrow('checksums disagree');
    expect(seen.length).toBe(fixture.dumped.tables.length);
    expect(await exists(name)).toBe(false);
  });

  test('an abort during the load leaves no database behind', async () => {
    const name = uniqueDbName('lbfresh');
    const controller = new AbortController();
    let n = 0;
    await expect(
      postgresEngine.restore(pgTarget(name), chunked(fixture.dumped.sql, 4096), {
        signal: controller.signal,
        onProgress: () => {
          if (++n === 20) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(await exists(name)).toBe(false);
  });
});

const B_ROWS = 200_000;

describe('postgres restore into a new database: what a later statement writes is measured', () => {
  const dbs = scratchDatabases();

  test('pg_dump -Fp with triggers: same summaries as the one-transaction path and as the source', async () => {
    const source = await dbs.fresh();
    await pgExec(
      source,
      `CREATE TABLE a (id int PRIMARY KEY, v text);
       CREATE TABLE log (id serial PRIMARY KEY, note text);
       CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS
         $$BEGIN INSERT INTO log(note) VALUES ('a ' || NEW.id); RETURN NEW; END$$;
       CREATE TRIGGER a_note AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION note();
       INSERT INTO a SELECT g, md5(g::text) FROM generate_series(1, 500) g;
       CREATE TABLE z (id int REFERENCES a(id), w text);
       INSERT INTO z SELECT g, 'z' FROM generate_series(1, 300) g;`,
    );
    const plain = pgDump(source, ['-Fp']);
    const { fresh, single, name } = await both(dbs, plain);
    expect(fresh).toEqual(single);
    const want = await postgresEngine.summarize(pgTarget(source), undefined, { signal: signal() });
    expect(fresh).toEqual(want);
    expect(fresh.find((t) => t.name === 'log')?.rows).toBe(500);
    expect(normalize(pgDump(name, ['--data-only']))).toBe(
      normalize(pgDump(source, ['--data-only'])),
    );
  });

  test('a COPY with options of its own (CSV) is read back, not hashed as sent', async () => {
    // CSV lines are not the rows' COPY text: hashing them as sent would report other checksums.
    const sql = `CREATE TABLE public.c (id int, v text);
COPY public.c (id, v) FROM stdin WITH (FORMAT csv);
1,"a, quoted ""value"""
2,plain
3,
\\.
`;
    const { fresh, single } = await both(dbs, sql);
    expect(fresh).toEqual(single);
    expect(fresh.map((t) => t.rows)).toEqual([3]);
  });

  const TRIGGER = `CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS
      $$BEGIN INSERT INTO public.a VALUES (NEW.id); RETURN NEW; END$$;
    CREATE TRIGGER t AFTER INSERT ON public.b FOR EACH ROW WHEN (NEW.id > ${B_ROWS - 3})
      EXECUTE FUNCTION public.f();`;
  test.each([
    ['a trigger created before the data writes an already loaded table', TRIGGER, '', 6],
    ['a later INSERT into a loaded table', '', 'INSERT INTO public.a VALUES (99);', 4],
    ['a later UPDATE of a loaded table', '', 'UPDATE public.a SET id = id + 10;', 3],
    [
      'a later ADD COLUMN with a default',
      '',
      'ALTER TABLE public.a ADD COLUMN c int DEFAULT 7;',
      3,
    ],
  ])('%s', async (_label, before, after, aRows) => {
    // b is long enough that a is measured (on the second connection) while b still loads.
    const sql = `CREATE TABLE public.a (id int);
CREATE TABLE public.b (id int);
${before}
COPY public.a (id) FROM stdin;
1
2
3
\\.

COPY public.b (id) FROM stdin;
${Array.from({ length: B_ROWS }, (_, i) => i + 1).join('\n')}
\\.

${after}
`;
    const { fresh, single } = await both(dbs, sql);
    expect(fresh).toEqual(single);
    expect(Object.fromEntries(fresh.map((t) => [t.name, t.rows]))).toEqual({ a: aRows, b: B_ROWS });
  });
});

describe('postgres restore into a new database: rows of new, empty tables load frozen', () => {
  const dbs = scratchDatabases();

  /** Per table, whether all its tuples are frozen (xmin committed and invalid). */
  async function frozen(db: string, tables: readonly string[]): Promise<Record<string, boolean>> {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
    await client.connect();
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
      const out: Record<string, boolean> = {};
      for (const t of tables) {
        const { rows } = await client.query<{ all: boolean }>(
          `SELECT bool_and(t_infomask & 768 = 768) AS all
             FROM generate_series(0, pg_relation_size($1::text::regclass) / 8192 - 1) AS page,
               heap_page_items(get_raw_page($1::text, page::int)) WHERE lp_flags = 1`,
          [t],
        );
        out[t] = rows[0]?.all === true;
      }
      return out;
    } finally {
      await client.end();
    }
  }

  /** COPY lines `first`… of a (id, v) table, together just over {@link FREEZE_MIN_BYTES}. */
  const bigRows = (first: number, v = true): string => {
    const pad = 'x'.repeat(200);
    const count = Math.ceil(FREEZE_MIN_BYTES / 200) + 1;
    return Array.from({ length: count }, (_, i) => (v ? `${first + i}\t${pad}` : `${first + i}`))
      .join('\n')
      .concat('\n');
  };
  const bigCount = Math.ceil(FREEZE_MIN_BYTES / 200) + 1;

  test('big plain tables are frozen; small ones, a second COPY block, FK and partitioned tables and search_path names load as they are', async () => {
    const sql = `CREATE SCHEMA app;
CREATE TABLE public.plain (id int, v text);
CREATE TABLE public.tiny (id int, v text);
CREATE TABLE public.twice (id int, v text);
CREATE TABLE public.parent (id int PRIMARY KEY);
CREATE TABLE public.child (pid int REFERENCES public.parent (id));
CREATE TABLE public.parted (id int) PARTITION BY RANGE (id);
CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM (0) TO (1000000);
CREATE TABLE app.hidden (id int, v text);
COPY public.plain (id, v) FROM stdin;
1	one
2	\\N
${bigRows(3)}\\.

COPY public.tiny (id, v) FROM stdin;
1	one
\\.

COPY public.twice (id, v) FROM stdin;
${bigRows(1)}\\.

COPY public.twice (id, v) FROM stdin;
${bigRows(1)}\\.

COPY public.parent (id) FROM stdin;
${bigRows(1, false)}\\.

COPY public.child (pid) FROM stdin;
${bigRows(1, false)}\\.

COPY public.parted (id) FROM stdin;
${bigRows(1, false)}\\.

SET search_path = app;
COPY hidden (id, v) FROM stdin;
${bigRows(1)}\\.

`;
    const { fresh, single, name } = await both(dbs, sql);
    expect(fresh).toEqual(single);
    expect(Object.fromEntries(fresh.map((t) => [t.name, t.rows]))).toEqual({
      'app.hidden': bigCount,
      child: bigCount,
      parent: bigCount,
      parted_1: bigCount,
      plain: bigCount + 2,
      tiny: 1,
      twice: 2 * bigCount,
    });
    expect(
      await frozen(name, ['plain', 'tiny', 'twice', 'parent', 'child', 'parted_1', 'app.hidden']),
    ).toEqual({
      plain: true,
      // A few rows are not worth four statements: loaded as they are.
      tiny: false,
      // The first block was loaded frozen; the second found rows and was appended as usual.
      twice: false,
      // Foreign keys put triggers on both tables: TRUNCATE would fire or refuse.
      parent: false,
      child: false,
      // Loaded through the partitioned parent: COPY FREEZE does not take those.
      parted_1: false,
      'app.hidden': true,
    });
  });
});
