import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { PG_SERVER, uniqueDbName } from '../support/postgres-db.js';
import { EXTRA_MAJORS, startPgServer, type PgServer } from '../support/pg-servers.js';
import {
  byName,
  chunked,
  dumpToString,
  FULL,
  type DumpedText,
} from '../support/sqlite-dump-helpers.js';

/**
 * Cross-version checks: the oracle round trip on PostgreSQL 13, 14, 16, 17 and 18 (started from
 * npm packages, see test/support/pg-servers.ts) and backups from an older server restored into
 * a newer one, the machine's PostgreSQL 15 included.
 *
 * The oracle is the machine's pg_dump 15 wherever it can read the server (13 to 15; it refuses
 * 16+), and the npm packages ship no pg_dump. For 16+ servers the checks are instead: a catalog
 * snapshot (every object with its pg_get_*def text, owners, ACLs, comments), lifeboat's own
 * dump of the copy holding the same statements as the source's, and the COPY data and
 * summaries. Across versions the schema is compared with the fixture loaded natively into the
 * newer server, since the servers themselves differ (multirange constructors since 14, the
 * public schema's owner since 15, pg_get_viewdef's column qualification since 16).
 */

const FIXTURE = readFileSync(
  new URL('../fixtures/postgres/app-schema.sql', import.meta.url),
  'utf8',
);

/**
 * PostgreSQL 13 has no SQL-standard function bodies (14+): the same function, quoted; and no
 * per-column compression (14+).
 */
const FIXTURE_13 = FIXTURE.replace(
  /STABLE\nBEGIN ATOMIC\n([\s\S]*?);\nEND;/,
  (_m, body: string) => `STABLE\nAS $$${body}$$;`,
).replace(/^ALTER TABLE .* SET COMPRESSION .*$/gm, '');

/**
 * Objects only PostgreSQL 18 has, each of which lifeboat once dumped wrongly; NOT VALID NOT
 * NULLs over rows that break them made the backup unrestorable.
 */
const EXTRAS_18 = `
CREATE TABLE app.shapes (id int PRIMARY KEY, w int CONSTRAINT width_given NOT NULL, h int,
  area int GENERATED ALWAYS AS (w * h) VIRTUAL, perimeter int GENERATED ALWAYS AS (2 * (w + h)) STORED);
INSERT INTO app.shapes VALUES (1, 2, 3), (2, 4, NULL);
CREATE TABLE app.bookings (room int, during tsrange, PRIMARY KEY (room, during WITHOUT OVERLAPS));
INSERT INTO app.bookings VALUES (1, '[2024-01-01,2024-01-02)'), (1, '[2024-01-02,2024-01-03)');
GRANT MAINTAIN ON app.shapes TO lifeboat_readonly;
CREATE TABLE app.loose (id int, v text);
INSERT INTO app.loose VALUES (1, NULL), (2, 'x');
ALTER TABLE app.loose ADD CONSTRAINT loose_v_given NOT NULL v NOT VALID;
CREATE TABLE app.loose_parted (id int, v text) PARTITION BY LIST (id);
CREATE TABLE app.loose_parted_1 PARTITION OF app.loose_parted FOR VALUES IN (1);
INSERT INTO app.loose_parted VALUES (1, NULL);
ALTER TABLE app.loose_parted ADD CONSTRAINT loose_parted_v_given NOT NULL v NOT VALID;
`;

/** Every object of a database in one sorted list of lines, independent of oids. */
const SNAPSHOT = `
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
              AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'),
ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e')
SELECT line FROM (
 SELECT format('schema %s|%s|%s|%s', n.nspname, pg_get_userbyid(n.nspowner), n.nspacl,
     obj_description(n.oid, 'pg_namespace')) AS line
   FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM ns)
 UNION ALL SELECT format('extension %s|%s', extname, extnamespace::regnamespace) FROM pg_extension
 UNION ALL SELECT format('type %s|%s|%s|%s|%s|%s|%s|%s', t.oid::regtype, t.typtype, pg_get_userbyid(t.typowner),
     format_type(nullif(t.typbasetype, 0), t.typtypmod), t.typnotnull, t.typdefault,
     (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid),
     obj_description(t.oid, 'pg_type'))
   FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('e', 'd', 'r', 'c')
     AND t.oid NOT IN (SELECT objid FROM ext)
     AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
 UNION ALL SELECT format('relation %s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', c.oid::regclass, c.relkind,
     c.relpersistence, pg_get_userbyid(c.relowner), c.relacl, c.reloptions, c.relrowsecurity,
     c.relforcerowsecurity, c.relispopulated, c.relreplident, pg_get_partkeydef(c.oid),
     pg_get_expr(c.relpartbound, c.oid),
     (SELECT string_agg(inhparent::regclass::text, ',' ORDER BY inhseqno) FROM pg_inherits WHERE inhrelid = c.oid),
     obj_description(c.oid, 'pg_class'))
   FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
     AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'i', 'I') AND c.oid NOT IN (SELECT objid FROM ext)
 UNION ALL SELECT format('column %s.%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', a.attrelid::regclass, a.attname, a.attnum,
     format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attislocal, a.attgenerated, a.attidentity,
     pg_get_expr(d.adbin, d.adrelid), co.collname, a.attacl, col_description(a.attrelid, a.attnum),
     -- column settings; attcompression is 14+, and the machine's 15 keeps a pg_attver option
     nullif(a.attstattarget, -1), a.attstorage, to_jsonb(a) ->> 'attcompression',
     array(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\\_%'))
   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
   WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'c') AND a.attnum > 0
     AND NOT a.attisdropped AND c.oid NOT IN (SELECT objid FROM ext)
 UNION ALL SELECT format('constraint %s|%s|%s|%s|%s|%s|%s', coalesce(conrelid::regclass::text, contypid::regtype::text),
     conname, contype, pg_get_constraintdef(oid), convalidated, conislocal, obj_description(oid, 'pg_constraint'))
   FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns)
 UNION ALL SELECT format('index %s|%s|%s', pg_get_indexdef(i.indexrelid), i.indisclustered,
     obj_description(i.indexrelid, 'pg_class'))
   FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
 UNION ALL SELECT format('trigger %s|%s|%s', pg_get_triggerdef(t.oid), t.tgenabled, obj_description(t.oid, 'pg_trigger'))
   FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE NOT t.tgisinternal AND c.relnamespace IN (SELECT oid FROM ns)
 UNION ALL SELECT format('policy %s|%s|%s|%s|%s|%s|%s|%s', polname, polrelid::regclass, polcmd, polpermissive,
     polroles::regrole[], pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid),
     obj_description(oid, 'pg_policy'))
   FROM pg_policy
 UNION ALL SELECT format('view %s|%s', c.oid::regclass, pg_get_viewdef(c.oid))
   FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('v', 'm')
 UNION ALL SELECT format('function %s|%s|%s|%s|%s|%s|%s|%s|%s|%s', p.oid::regprocedure, p.prokind,
     pg_get_function_result(p.oid), p.provolatile, p.prosecdef, p.proisstrict, pg_get_userbyid(p.proowner),
     p.proacl, obj_description(p.oid, 'pg_proc'), p.prosrc)
   FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.oid NOT IN (SELECT objid FROM ext)
 UNION ALL SELECT format('sequence %s|%s|%s|%s|%s|%s|%s|%s', s.seqrelid::regclass, format_type(s.seqtypid, NULL),
     s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
   FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
) x ORDER BY line`;

const signal = (): AbortSignal => new AbortController().signal;

/** A database on one server: where it is and what lifeboat and psql need to reach it. */
interface Db {
  readonly server: string;
  readonly major: number;
  readonly name: string;
}

const url = (db: Db): string => `${db.server}/${db.name}`;
const target = (db: Db): ConnectionTarget => postgresEngine.parseUrl(url(db), process.cwd());

async function query(db: Db, sql: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url(db) });
  await client.connect();
  try {
    const result = await client.query<{ line: string }>(sql);
    return result.rows.map((r) => r.line);
  } finally {
    await client.end();
  }
}

const created: Db[] = [];

/** An empty database on `server` (from template0). */
async function createDb(server: string, major: number): Promise<Db> {
  const db = { server, major, name: uniqueDbName('lbxv') };
  await query({ ...db, name: 'postgres' }, `CREATE DATABASE "${db.name}" TEMPLATE template0`);
  created.push(db);
  return db;
}

/** A fresh database loaded from `sql` by psql in one transaction. */
async function loaded(server: string, major: number, sql: string): Promise<Db> {
  const db = await createDb(server, major);
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', url(db), '-f', '-'], {
    input: sql,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return db;
}

/** The machine's pg_dump (15), which reads servers up to 15 only. */
function pgDump(db: Db, args: readonly string[]): string {
  expect(db.major).toBeLessThanOrEqual(15);
  return execFileSync('pg_dump', [...args, '-d', url(db)], { encoding: 'utf8', maxBuffer: 1 << 30 })
    .replace(/^\\(un)?restrict \S+$/gm, '\\$1restrict KEY')
    .replace(/^-- Dumped (from|by) .*$/gm, '');
}

/** lifeboat's data-only dump: the COPY text as the server produced it. */
async function lifeboatData(db: Db): Promise<string> {
  const dumped = await dumpToString(postgresEngine, target(db), { schema: false, data: true });
  return dumped.sql.replace(/^-- lifeboat postgres dump .*$/m, '');
}

/** A dump cut into its statements, in name order: oid order decides some positions. */
const statements = (sql: string): string[] =>
  sql
    .replace(/^-- lifeboat postgres dump .*$/m, '')
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .sort();

/** Restores `dumped` into a new database on `to` and checks the summaries lifeboat reports. */
async function restoreInto(dumped: DumpedText, to: { url: string; major: number }): Promise<Db> {
  const db = await createDb(to.url, to.major);
  const result = await postgresEngine.restore(target(db), chunked(dumped.sql, 8192), {
    signal: signal(),
  });
  expect(byName(result.tables)).toEqual(byName(dumped.tables));
  const again = await postgresEngine.summarize(target(db), undefined, { signal: signal() });
  expect(byName(again)).toEqual(byName(dumped.tables));
  return db;
}

describe('postgres across major versions (13, 14, 16, 17, 18 from npm, 15 on the machine)', () => {
  const servers = new Map<number, PgServer>();
  const machine = { url: PG_SERVER, major: 15 };
  const on = (major: number): { url: string; major: number } =>
    major === 15 ? machine : { url: servers.get(major)?.url ?? '', major };
  const sources = new Map<number, { db: Db; dumped: DumpedText; fixture: string }>();

  beforeAll(async () => {
    for (const s of await Promise.all(EXTRA_MAJORS.map((m) => startPgServer(m))))
      servers.set(s.major, s);
    const fixtures: [number, string][] = [
      [13, FIXTURE_13],
      [15, FIXTURE],
      [18, FIXTURE],
    ];
    for (const [major, fixture] of fixtures) {
      const db = await loaded(on(major).url, major, fixture);
      sources.set(major, {
        db,
        dumped: await dumpToString(postgresEngine, target(db), FULL),
        fixture,
      });
    }
  });
  afterAll(async () => {
    for (const db of created)
      await query({ ...db, name: 'postgres' }, `DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
    await Promise.all([...servers.values()].map((s) => s.stop()));
  });

  test('postgres 13: pg_dump of the restored copy equals pg_dump of the source', async () => {
    const source = sources.get(13);
    if (source === undefined) throw new Error('no postgres 13 source');
    expect(source.dumped.serverVersion).toMatch(/^13\./);
    // Regression: the range type query read pg_range.rngmultitypid, which 13 lacks.
    expect(source.dumped.sql).toContain('CREATE TYPE app.price_range AS RANGE');
    expect(source.dumped.sql).not.toContain('multirange_type_name');
    const copy = await restoreInto(source.dumped, on(13));
    expect(pgDump(copy, ['--schema-only'])).toBe(pgDump(source.db, ['--schema-only']));
    expect(pgDump(copy, ['--data-only'])).toBe(pgDump(source.db, ['--data-only']));
    expect(await query(copy, SNAPSHOT)).toEqual(await query(source.db, SNAPSHOT));
  });

  test('postgres 18: the restored copy has the same catalog, statements and data', async () => {
    const server = on(18);
    const db = await loaded(server.url, 18, FIXTURE + EXTRAS_18);
    const dumped = await dumpToString(postgresEngine, target(db), FULL);
    expect(dumped.serverVersion).toMatch(/^18\./);
    // Regressions: a virtual generated column came out as a DEFAULT (which cannot name a
    // column), and a named NOT NULL constraint lost its name.
    expect(dumped.sql).toContain('area integer GENERATED ALWAYS AS ((w * h)) VIRTUAL');
    expect(dumped.sql).toContain('w integer CONSTRAINT width_given NOT NULL');
    const copy = await restoreInto(dumped, server);
    const snapshot = await query(copy, SNAPSHOT);
    expect(snapshot).toEqual(await query(db, SNAPSHOT));
    expect(snapshot).toContain('constraint app.shapes|width_given|n|NOT NULL w|t|t|');
    const again = await dumpToString(postgresEngine, target(copy), FULL);
    expect(statements(again.sql)).toEqual(statements(dumped.sql));
  });

  // One round trip per further major, kept short: the fixture, a backup, a restore, compared.
  test.each([14, 16, 17])(
    'postgres %i: the restored copy has the same schema and data',
    async (major) => {
      const server = on(major);
      const db = await loaded(server.url, major, FIXTURE);
      const dumped = await dumpToString(postgresEngine, target(db), FULL);
      expect(dumped.serverVersion).toMatch(new RegExp(`^${major}\\.`));
      const copy = await restoreInto(dumped, server);
      expect(await query(copy, SNAPSHOT)).toEqual(await query(db, SNAPSHOT));
      if (major <= 15) {
        expect(pgDump(copy, ['--schema-only'])).toBe(pgDump(db, ['--schema-only']));
        expect(pgDump(copy, ['--data-only'])).toBe(pgDump(db, ['--data-only']));
      } else {
        const again = await dumpToString(postgresEngine, target(copy), FULL);
        expect(statements(again.sql)).toEqual(statements(dumped.sql));
      }
    },
  );

  test('--schema-via pg_dump refuses a server newer than the pg_dump on PATH', async () => {
    const source = await loaded(on(18).url, 18, 'CREATE TABLE t (id int);');
    const error = await dumpToString(postgresEngine, target(source), {
      ...FULL,
      options: { schemaVia: 'pg_dump' },
    }).catch((e: unknown) => e);
    expect(isLifeboatError(error, 'ENGINE_UNSUPPORTED')).toBe(true);
    expect((error as Error).message).toMatch(
      /pg_dump 15 on PATH is older than the postgresql 18 server/,
    );
  });

  test.each([
    [13, 15],
    [13, 18],
    [15, 18],
  ])('a backup from postgres %i restores into postgres %i', async (from, to) => {
    const source = sources.get(from);
    if (source === undefined) throw new Error(`no postgres ${from} source`);
    const copy = await restoreInto(source.dumped, on(to));
    // The same fixture loaded natively into the newer server: the schema the copy must have.
    const native = await loaded(on(to).url, to, source.fixture);
    const expected = await query(native, SNAPSHOT);
    // ACLs are restored as differences from acldefault(), so a 17+ owner keeps MAINTAIN.
    expect(await query(copy, SNAPSHOT)).toEqual(expected);
    if (to <= 15) {
      expect(pgDump(copy, ['--schema-only'])).toBe(pgDump(native, ['--schema-only']));
      expect(pgDump(copy, ['--data-only'])).toBe(pgDump(source.db, ['--data-only']));
    } else {
      expect(await lifeboatData(copy)).toBe(await lifeboatData(source.db));
    }
  });
});
