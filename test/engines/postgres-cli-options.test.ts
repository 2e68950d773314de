import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import {
  PG_FIXTURE as FIXTURE,
  pgDump,
  pgExec,
  pgUrl,
  psql,
  scratchDatabases,
  uniqueDbName,
} from '../support/postgres-db.js';

const normalize = (text: string): string => text.replace(/^-- Dumped (from|by) .*$/gm, '');

/** An event trigger, and a table in an access method of its own: a kind the native dump refuses. */
const EVENT_TRIGGER = `
CREATE FUNCTION app.note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER lifeboat_note_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION app.note_ddl();
COMMENT ON EVENT TRIGGER lifeboat_note_ddl IS 'notes new tables';
ALTER EVENT TRIGGER lifeboat_note_ddl ENABLE ALWAYS;
CREATE ACCESS METHOD lb_heap TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE app.lb_heap_table (x int) USING lb_heap;
`;

/** Publications of every shape PostgreSQL 15 has (the machine's server). */
const PUBLICATIONS = `
SET client_min_messages = error; -- wal_level is not logical here: a warning only
CREATE PUBLICATION lb_all FOR ALL TABLES WITH (publish = 'insert, update');
CREATE PUBLICATION lb_orders FOR TABLE app.orders (id, user_id, status) WHERE (id > 10),
  app.order_items WITH (publish_via_partition_root = true);
CREATE PUBLICATION lb_audit FOR TABLES IN SCHEMA audit;
CREATE PUBLICATION lb_none;
COMMENT ON PUBLICATION lb_orders IS 'order changes for the warehouse';
ALTER PUBLICATION lb_none OWNER TO lifeboat_app;
`;

describe('lifeboat backup --no-owner / --no-privileges / --schema-via pg_dump (PostgreSQL)', () => {
  const { fresh, track } = scratchDatabases();
  let source: string;

  /** Backs up `db` with `flags` into a new folder; the artifact's folder, name and SQL. */
  async function backup(
    db: string,
    flags: readonly string[],
  ): Promise<{ dir: string; artifact: string; sql: string }> {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      `connections:\n  app: { url: "${pgUrl(db)}" }\nstorage:\n  local: { type: local, path: ./backups }\n`,
    );
    const res = await lifeboat(['backup', 'app', '--json', ...flags], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    const artifact = (JSON.parse(res.stdout) as { artifact: string }).artifact;
    const file = findFile(join(dir, 'backups'), artifact);
    return { dir, artifact, sql: gunzipSync(readFileSync(file)).toString('utf8') };
  }

  /** Restores the artifact into a new database through the CLI. */
  async function restore(b: { dir: string; artifact: string }): Promise<string> {
    const copy = track(uniqueDbName('lbcopy'));
    const res = await lifeboat(['restore', b.artifact, '--to', pgUrl(copy), '--force'], {
      cwd: b.dir,
    });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    return copy;
  }

  beforeAll(async () => {
    source = await fresh();
    psql(source, FIXTURE);
  });

  it.each([
    ['--no-owner', ['--no-owner'], ['-O']],
    ['--no-privileges', ['--no-privileges'], ['-x']],
    ['both', ['--no-owner', '--no-privileges'], ['-O', '-x']],
  ])('%s restores what pg_dump with the same switch restores', async (_label, flags, pgFlags) => {
    const b = await backup(source, flags);
    if (flags.includes('--no-owner')) expect(b.sql).not.toMatch(/ OWNER TO /);
    else expect(b.sql).toMatch(/ OWNER TO /);
    if (flags.includes('--no-privileges')) expect(b.sql).not.toMatch(/^(GRANT|REVOKE) /m);
    else expect(b.sql).toMatch(/^GRANT /m);
    const copy = await restore(b);
    // The reference: pg_dump with the same switch, loaded by psql (as the same user).
    const reference = await fresh();
    psql(reference, pgDump(source, ['-Fp', ...pgFlags]));
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(reference, ['--schema-only'])),
    );
    // (pg_dump's data comments name each table's owner.)
    expect(normalize(pgDump(copy, ['--data-only']))).toBe(
      normalize(pgDump(reference, ['--data-only'])),
    );
    // The objects the fixture gives to lifeboat_app now belong to the restoring user.
    const owner = psql(
      copy,
      "\\pset format unaligned\n\\pset tuples_only on\nSELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'audit.events'::regclass;",
    ).trim();
    expect(owner).toBe(flags.includes('--no-owner') ? 'postgres' : 'lifeboat_app');
  });

  it('event triggers are dumped natively; a table in its own access method is refused natively and backed up with --schema-via pg_dump', async () => {
    const db = await fresh();
    psql(db, FIXTURE + EVENT_TRIGGER);
    const dir = tempDir();
    const refused = await lifeboat(['backup', pgUrl(db), '--json'], { cwd: dir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('app.lb_heap_table');
    expect(refused.stderr).toContain('access method lb_heap');
    expect(refused.stderr).not.toContain('lifeboat_note_ddl');
    expect(refused.stderr).toContain('--schema-via pg_dump');

    // Without the publication, lifeboat's own schema carries the event trigger, last.
    const native = await fresh();
    psql(native, FIXTURE + EVENT_TRIGGER.replace(/^CREATE (ACCESS METHOD|TABLE) .*$/gm, ''));
    const n = await backup(native, []);
    expect(n.sql).toMatch(
      /CREATE EVENT TRIGGER lifeboat_note_ddl ON ddl_command_end WHEN TAG IN \('CREATE TABLE'\) EXECUTE FUNCTION app\.note_ddl\(\);\n+ALTER EVENT TRIGGER lifeboat_note_ddl OWNER TO postgres;\n+COMMENT ON EVENT TRIGGER lifeboat_note_ddl IS 'notes new tables';\n+ALTER EVENT TRIGGER lifeboat_note_ddl ENABLE ALWAYS;\n/,
    );
    const nativeCopy = await restore(n);
    expect(normalize(pgDump(nativeCopy, ['--schema-only']))).toBe(
      normalize(pgDump(native, ['--schema-only'])),
    );

    const b = await backup(db, ['--schema-via', 'pg_dump']);
    expect(b.sql).toContain('CREATE EVENT TRIGGER lifeboat_note_ddl');
    expect(b.sql).toContain('CREATE TABLE app.lb_heap_table');
    const copy = await restore(b);
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(db, ['--schema-only'])),
    );
    expect(normalize(pgDump(copy, ['--data-only']))).toBe(normalize(pgDump(db, ['--data-only'])));
    // Again over the copy: the full restore first drops the event trigger and the publication.
    // Its safety backup of the copy (which has them too) takes its schema the artifact's way.
    const again = await lifeboat(
      ['restore', b.artifact, '--to', pgUrl(copy), '--force', '--json'],
      { cwd: b.dir },
    );
    expect(again.stderr).not.toContain('error:');
    expect(again.code).toBe(0);
    const safety = (JSON.parse(again.stdout) as { safetyBackup: string | null }).safetyBackup;
    expect(safety).toMatch(/pre-restore/);
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(db, ['--schema-only'])),
    );
  });

  it('publications are dumped natively, and a selective restore keeps a table in its publication', async () => {
    const db = await fresh();
    psql(db, FIXTURE + PUBLICATIONS);
    const b = await backup(db, []);
    expect(b.sql).toContain(
      'ALTER PUBLICATION lb_orders ADD TABLE ONLY app.orders (id, user_id, status) WHERE ((id > 10));',
    );
    const copy = await restore(b);
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(db, ['--schema-only'])),
    );
    // Replacing app.orders drops it from lb_orders; the artifact's ALTER PUBLICATION puts it back.
    const again = await lifeboat(
      ['restore', b.artifact, '--to', pgUrl(copy), '--tables', 'app.orders', '--force', '--json'],
      { cwd: b.dir },
    );
    expect(again.stderr).not.toContain('error:');
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(db, ['--schema-only'])),
    );
  });

  it('collations are dumped natively: ICU nondeterministic and libc, before the columns using them', async () => {
    const db = await fresh();
    psql(
      db,
      `${FIXTURE}
       CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
       CREATE COLLATION app.split (provider = libc, lc_collate = 'C', lc_ctype = 'C.UTF-8');
       CREATE TABLE app.people (name text COLLATE app.ci PRIMARY KEY, sort_key text COLLATE app.split);
       INSERT INTO app.people VALUES ('Ada', 'a'), ('bob', 'b');`,
    );
    const b = await backup(db, []);
    expect(b.sql).toContain(
      "CREATE COLLATION app.ci (provider = icu, deterministic = false, locale = 'und-u-ks-level2');",
    );
    const copy = await restore(b);
    expect(normalize(pgDump(copy, ['--schema-only']))).toBe(
      normalize(pgDump(db, ['--schema-only'])),
    );
    // Nondeterministic: 'ADA' is the same name as 'Ada' in the copy too.
    expect(psql(copy, "SELECT 'n=' || count(*) FROM app.people WHERE name = 'ADA';")).toContain(
      'n=1',
    );
  });

  it('restore --tables takes a public table with or without its schema', async () => {
    const db = await fresh();
    await pgExec(
      db,
      `CREATE TABLE notes (id int PRIMARY KEY, body text);
       INSERT INTO notes VALUES (1, 'a'), (2, 'b');`,
    );
    const b = await backup(db, []);
    const copy = await restore(b);
    for (const name of ['public.notes', 'notes']) {
      await pgExec(copy, 'DELETE FROM notes;');
      const res = await lifeboat(
        ['restore', b.artifact, '--to', pgUrl(copy), '--tables', name, '--force', '--json'],
        { cwd: b.dir },
      );
      expect(res.stderr).not.toContain('error:');
      expect(JSON.parse(res.stdout).tables.map((t: { name: string }) => t.name)).toEqual(['notes']);
      expect(psql(copy, 'SELECT count(*) FROM notes;')).toContain('2');
    }
  });

  it('large objects are never silently left out with --schema-via pg_dump', async () => {
    // Regression: --schema-via pg_dump skipped the check, and pg_dump --schema-only carries no
    // large object, so the backup succeeded without them. (The native schema backs them up:
    // postgres-large-objects.test.ts.)
    const db = await fresh();
    await pgExec(
      db,
      `CREATE TABLE docs (id int PRIMARY KEY, blob oid);
       INSERT INTO docs VALUES (1, lo_from_bytea(0, 'hello'::bytea));`,
    );
    const res = await lifeboat(['backup', pgUrl(db), '--json', '--schema-via', 'pg_dump'], {
      cwd: tempDir(),
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/large object \d+/);
    expect(res.stderr).toContain('leave out --schema-via pg_dump');
    // A backup of chosen tables holds no large objects, as with pg_dump --table.
    const some = await lifeboat(
      ['backup', pgUrl(db), '--json', '--tables', 'docs', '--schema-via', 'pg_dump'],
      { cwd: tempDir() },
    );
    expect(some.code).toBe(0);
  });
});

/** The file named `name` somewhere under `root`. */
function findFile(root: string, name: string): string {
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === name) return join(entry.parentPath, entry.name);
  }
  throw new Error(`${name} not found under ${root}`);
}
