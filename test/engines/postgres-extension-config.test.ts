import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import {
  pgDump,
  pgTarget,
  pgUrl,
  psql,
  scratchDatabases,
  uniqueDbName,
} from '../support/postgres-db.js';
import { lifeboat, tempDir } from '../support/cli.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

/**
 * Extensions with configuration tables (PostGIS's spatial_ref_sys, pg_cron's cron.job), through
 * the test extension `lifeboat_config_test` (test/fixtures/postgres-extension, installed into
 * the share directory of the server on 5432 by scripts/test-deps.sh; PostgreSQL 15 only: the
 * cross-version servers' share directories do not have it).
 */
const SOURCE = `
CREATE SCHEMA cfg;
CREATE EXTENSION lifeboat_config_test SCHEMA cfg;
-- settings: condition WHERE NOT builtin; the extension's own rows (1, 2) are builtin.
INSERT INTO cfg.settings VALUES (10, 'user', 'x', false), (11, 'tab', E'a\\tb', false),
  (3, 'left out by the condition', 'y', true);
UPDATE cfg.settings SET value = '1.0-patched' WHERE id = 1;
-- jobs: no condition, references settings; its sequence is marked too.
INSERT INTO cfg.jobs (setting, command) VALUES (10, 'vacuum'), (1, 'analyze'), (NULL, 'noop');
-- cache: marked, but its condition (WHERE false) leaves every row out.
INSERT INTO cfg.cache VALUES ('a', 1);
-- scratch: not marked, never dumped.
INSERT INTO cfg.scratch VALUES ('n');
CREATE TABLE public.orders (id int PRIMARY KEY, setting int REFERENCES cfg.settings (id));
INSERT INTO public.orders VALUES (1, 10), (2, 11);
`;

/** Unaligned, tuples-only psql output of `sql`. */
const query = (db: string, sql: string): string =>
  execFileSync('psql', ['-XtA', '-d', pgUrl(db), '-c', sql], { encoding: 'utf8' });

const signal = (): AbortSignal => new AbortController().signal;
const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

/** pg_dump of `db` (schema, then data) equals that of `source`, pg_dump being the oracle. */
function expectSameAsPgDump(db: string, source: string): void {
  for (const part of ['--schema-only', '--data-only'])
    expect(normalize(pgDump(db, [part]))).toBe(normalize(pgDump(source, [part])));
}

describe('postgres: extensions with configuration tables', () => {
  const dbs = scratchDatabases();

  async function source(): Promise<string> {
    const db = await dbs.fresh();
    psql(db, SOURCE);
    return db;
  }

  test("the dump holds the rows each condition selects and the sequence's value, no DDL of the extension's tables", async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    expect(dumped.sql).not.toMatch(/CREATE TABLE cfg\./);
    expect(dumped.sql).toContain(
      'CREATE EXTENSION IF NOT EXISTS lifeboat_config_test WITH SCHEMA cfg;',
    );
    expect(dumped.sql).toContain(
      'COPY cfg.settings (id, name, value, builtin) FROM stdin;\n10\tuser\tx\tf\n11\ttab\ta\\tb\tf\n\\.',
    );
    // Referenced rows first: settings before jobs and orders, which reference it (a data-only
    // restore keeps the foreign keys); otherwise user tables first.
    const copies = [...dumped.sql.matchAll(/^COPY (\S+)/gm)].map((m) => m[1]);
    expect(copies).toEqual(['cfg.cache', 'cfg.settings', 'public.orders', 'cfg.jobs']);
    expect(dumped.sql).toContain('COPY cfg.jobs (id, setting, command) FROM stdin;');
    expect(dumped.sql).toContain("SELECT pg_catalog.setval('cfg.jobs_id_seq', 3, true);");
    expect(dumped.sql).not.toContain('cfg.scratch');
    // The manifest lists the rows the dump holds, not the extension's own.
    expect(dumped.tables.map((t) => [t.name, t.rows]).sort()).toEqual([
      ['cfg.cache', 0],
      ['cfg.jobs', 3],
      ['cfg.settings', 2],
      ['orders', 2],
    ]);
    // The same rows pg_dump dumps (its output in --data-only is the oracle for the rest).
    const pgData = pgDump(db, ['--data-only']);
    expect(pgData).toContain('10\tuser\tx\tf\n11\ttab\ta\\tb\tf\n\\.');
    expect(pgData).not.toContain('1.0-patched');
    expect(dumped.sql).not.toContain('1.0-patched');
  });

  test('restore into a new database: pg_dump of it equals the source, measurement equals the manifest', async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    const target = dbs.track(uniqueDbName());
    const result = await postgresEngine.restore(pgTarget(target), chunked(dumped.sql, 4096), {
      signal: signal(),
    });
    expectSameAsPgDump(target, db);
    expect(byName(result.tables)).toEqual(byName(dumped.tables));
    const again = await postgresEngine.summarize(pgTarget(target), undefined, { signal: signal() });
    expect(byName(again)).toEqual(byName(dumped.tables));
    // The extension's own rows came back from CREATE EXTENSION, unpatched: as with pg_dump.
    expect(query(target, 'SELECT value FROM cfg.settings WHERE id = 1')).toBe('1.0\n');
  });

  test("a restore into a new database measures a configuration table's rows, not just those it sent", async () => {
    // CREATE EXTENSION writes rows of its own before the dump's: here one its condition selects.
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    const sql = dumped.sql.replace(
      /^(CREATE EXTENSION IF NOT EXISTS lifeboat_config_test .*)$/m,
      (line) =>
        `${line}\n\nDO $$ BEGIN INSERT INTO cfg.jobs (id, command) VALUES (100, 'from the script'); END $$;`,
    );
    const target = dbs.track(uniqueDbName());
    const result = await postgresEngine.restore(pgTarget(target), chunked(sql), {
      signal: signal(),
    });
    expect(byName(result.tables)['cfg.jobs']?.rows).toBe(4);
    expect(byName(result.tables)['cfg.settings']).toEqual(byName(dumped.tables)['cfg.settings']);
  });

  test('verify --deep: a fresh scratch read back agrees with the manifest', async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    const scratch = await dbs.fresh();
    const result = await postgresEngine.restore(pgTarget(scratch), chunked(dumped.sql), {
      signal: signal(),
      freshTarget: true,
      readBack: true,
      checksumAlgorithm: dumped.checksumAlgorithm,
    });
    expect(byName(result.tables)).toEqual(byName(dumped.tables));
  });

  test('restore into an existing database replaces what is there', async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    const target = await dbs.fresh();
    psql(
      target,
      `CREATE SCHEMA cfg; CREATE EXTENSION lifeboat_config_test SCHEMA cfg;
       INSERT INTO cfg.settings VALUES (10, 'stale', 'z', false), (50, 'other', 'q', false);
       INSERT INTO cfg.jobs (setting, command) SELECT 50, 'old' FROM generate_series(1, 7);
       CREATE TABLE public.orders (id int); INSERT INTO public.orders VALUES (99);`,
    );
    const result = await postgresEngine.restore(pgTarget(target), chunked(dumped.sql, 4096), {
      signal: signal(),
    });
    expectSameAsPgDump(target, db);
    expect(byName(result.tables)).toEqual(byName(dumped.tables));
  });

  test('psql -1 -f restores the artifact without lifeboat', async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    const target = await dbs.fresh();
    psql(target, dumped.sql);
    expectSameAsPgDump(target, db);
  });

  test("a data-only artifact replaces the rows each condition selects, keeping the extension's", async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), { schema: true, data: false });
    expect(dumped.sql).not.toMatch(/^COPY /m);
    const target = await dbs.fresh();
    await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), { signal: signal() });
    psql(
      target,
      `INSERT INTO cfg.settings VALUES (10, 'stale', 'z', false), (77, 'gone', 'g', false);
       INSERT INTO cfg.jobs (setting, command) VALUES (77, 'old');`,
    );
    const data = await dumpToString(postgresEngine, pgTarget(db), { schema: false, data: true });
    expect(data.sql).toContain('DELETE FROM ONLY cfg.jobs ;');
    const result = await postgresEngine.restore(pgTarget(target), chunked(data.sql), {
      signal: signal(),
    });
    expect(normalize(pgDump(target, ['--data-only']))).toBe(normalize(pgDump(db, ['--data-only'])));
    expect(byName(result.tables)).toEqual(byName(data.tables));
    expect(query(target, 'SELECT count(*) FROM cfg.settings WHERE builtin')).toBe('2\n');
  });

  test('--tables names a configuration table as pg_dump -t does: its rows only; --exclude-tables leaves it out', async () => {
    const db = await source();
    const only = await dumpToString(postgresEngine, pgTarget(db), {
      ...FULL,
      tables: ['cfg.settings'],
    });
    expect(
      normalize(only.sql)
        .replace(/^(--|SET|SELECT pg_catalog.set_config).*$/gm, '')
        .trim(),
    ).toBe(
      'COPY cfg.settings (id, name, value, builtin) FROM stdin;\n10\tuser\tx\tf\n11\ttab\ta\\tb\tf\n\\.',
    );
    expect(only.tables.map((t) => t.name)).toEqual(['cfg.settings']);
    const without = await dumpToString(postgresEngine, pgTarget(db), {
      ...FULL,
      excludeTables: ['cfg.jobs'],
    });
    expect(without.sql).not.toContain('COPY cfg.jobs');
    expect(without.sql).toContain("setval('cfg.jobs_id_seq'");
    expect(without.tables.map((t) => t.name).sort()).toEqual([
      'cfg.cache',
      'cfg.settings',
      'orders',
    ]);
  });

  test('restore --tables of a configuration table replaces the rows its condition selects', async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), FULL);
    const target = await dbs.fresh();
    await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), { signal: signal() });
    psql(
      target,
      `UPDATE cfg.settings SET value = 'changed' WHERE id = 10;
       INSERT INTO cfg.settings VALUES (60, 'extra', 'e', false);
       INSERT INTO cfg.jobs (setting, command) VALUES (1, 'kept');`,
    );
    const result = await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), {
      signal: signal(),
      tables: ['cfg.settings'],
    });
    expect(result.tables).toEqual(dumped.tables.filter((t) => t.name === 'cfg.settings'));
    expect(query(target, 'SELECT id, value FROM cfg.settings ORDER BY id')).toBe(
      ['1|1.0', '2|default', '10|x', '11|a\tb', ''].join('\n'),
    );
    expect(query(target, "SELECT count(*) FROM cfg.jobs WHERE command = 'kept'")).toBe('1\n');
  });

  test('--schema-via pg_dump dumps the configuration rows too', async () => {
    const db = await source();
    const dumped = await dumpToString(postgresEngine, pgTarget(db), {
      ...FULL,
      options: { schemaVia: 'pg_dump' },
    });
    const target = await dbs.fresh();
    const result = await postgresEngine.restore(pgTarget(target), chunked(dumped.sql), {
      signal: signal(),
    });
    expectSameAsPgDump(target, db);
    expect(byName(result.tables)).toEqual(byName(dumped.tables));
  });

  test('lifeboat CLI: backup --verify=deep, the manifest, and restore over an existing database agree', async () => {
    const db = await source();
    const dir = tempDir();
    const backup = await lifeboat(['backup', pgUrl(db), '--verify=deep', '--json'], { cwd: dir });
    expect(backup.stderr).not.toContain('error:');
    expect(backup.code).toBe(0);
    const out = JSON.parse(backup.stdout) as { artifact: string; verification: { ok: boolean } };
    expect(out.verification.ok).toBe(true);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'backups', `${out.artifact}.manifest.json`), 'utf8'),
    ) as { tables: { name: string; rows: number }[] };
    expect(manifest.tables.find((t) => t.name === 'cfg.settings')?.rows).toBe(2);
    const target = await dbs.fresh();
    psql(
      target,
      `CREATE SCHEMA cfg; CREATE EXTENSION lifeboat_config_test SCHEMA cfg;
      INSERT INTO cfg.settings VALUES (10, 'stale', 'z', false);`,
    );
    const restore = await lifeboat(
      ['restore', out.artifact, '--to', pgUrl(target), '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(restore.stderr).not.toContain('error:');
    expect(restore.code).toBe(0);
    expectSameAsPgDump(target, db);
  });
});
