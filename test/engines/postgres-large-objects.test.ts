import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { lifeboat, tempDir } from '../support/cli.js';
import { chunked } from '../support/sqlite-dump-helpers.js';
import {
  pgDump,
  pgExec,
  pgTarget,
  pgUrl,
  scratchDatabases,
  uniqueDbName,
} from '../support/postgres-db.js';

const normalize = (text: string): string =>
  text.replace(/^-- Dumped (from|by) .*$/gm, '').replace(/^\\(un)?restrict \S+$/gm, '');
/** pg_dump of everything (large objects included: owners, grants, comments, bytes). */
const everything = (db: string): string => normalize(pgDump(db, ['--no-sync']));

const BIG = randomBytes(2_500_000); // three 1 MiB chunks, the last one short

describe('postgres large objects: backed up, restored and measured', () => {
  const dbs = scratchDatabases();
  let source = '';
  let artifactSql = '';
  let dir = '';
  let artifact = '';

  beforeAll(async () => {
    await pgExec(
      'postgres',
      `DO $$BEGIN
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lb_lo_owner') THEN CREATE ROLE lb_lo_owner; END IF;
         IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lb_lo_reader') THEN CREATE ROLE lb_lo_reader; END IF;
       END$$`,
    );
    source = await dbs.fresh();
    await pgExec(
      source,
      `CREATE TABLE docs (id int PRIMARY KEY, body oid);
       INSERT INTO docs VALUES
         (1, lo_from_bytea(0, 'hello'::bytea)),
         (2, lo_from_bytea(0, ''::bytea)),
         (3, lo_from_bytea(0, decode('${BIG.toString('hex')}', 'hex'))),
         (4, lo_from_bytea(424242, '\\x00ff0a5c27'::bytea));
       ALTER LARGE OBJECT 424242 OWNER TO lb_lo_owner;
       GRANT SELECT, UPDATE ON LARGE OBJECT 424242 TO lb_lo_reader;
       COMMENT ON LARGE OBJECT 424242 IS 'it''s a \\ comment';`,
    );
    dir = tempDir();
    const res = await lifeboat(['backup', pgUrl(source), '--json'], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    artifact = JSON.parse(res.stdout).artifact as string;
    artifactSql = gunzipSync(readFileSync(join(dir, 'backups', artifact))).toString('utf8');
  });

  it('lists them in the manifest as one pseudo-table, with a count and a checksum', () => {
    const manifest = JSON.parse(
      readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8'),
    );
    const entry = manifest.tables.find(
      (t: { name: string }) => t.name === 'pg_catalog.pg_largeobject',
    );
    expect(entry).toMatchObject({ rows: 4 });
    expect(entry.checksum).toMatch(/^lifeboat-postgres-v2:[0-9a-f]{32}$/);
    expect(artifactSql).toContain("SELECT pg_catalog.lo_create('424242');");
    expect(artifactSql).toContain('ALTER LARGE OBJECT 424242 OWNER TO lb_lo_owner;');
  });

  it('restores into a new database equal to the source by pg_dump, and verify --deep agrees', async () => {
    const copy = dbs.track(uniqueDbName('lblo'));
    const res = await lifeboat(
      ['restore', artifact, '--to', pgUrl(copy), '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(everything(copy)).toBe(everything(source));
    const deep = await lifeboat(['verify', artifact, '--deep'], { cwd: dir });
    expect(deep.code, deep.stderr).toBe(0);
  });

  it('replaces the large objects of an existing database (one transaction)', async () => {
    const target = await dbs.fresh();
    await pgExec(
      target,
      `SELECT lo_from_bytea(424242, 'old'::bytea); SELECT lo_from_bytea(777, 'stale'::bytea);`,
    );
    const res = await lifeboat(
      ['restore', artifact, '--to', pgUrl(target), '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(everything(target)).toBe(everything(source));
  });

  it('psql restores the artifact; lifeboat restores pg_dump -Fp output with large objects', async () => {
    const byPsql = await dbs.fresh();
    execFileSync('psql', ['-X', '-q', '-1', '-v', 'ON_ERROR_STOP=1', '-d', pgUrl(byPsql)], {
      input: artifactSql,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    expect(everything(byPsql)).toBe(everything(source));
    // pg_dump writes lo_open/lowrite/lo_close inside BEGIN/COMMIT: into a new database (the
    // autocommit load) those transactions must be kept, or the descriptor is gone.
    const plain = pgDump(source, ['-Fp']);
    const fresh = dbs.track(uniqueDbName('lblo'));
    const result = await postgresEngine.restore(pgTarget(fresh), chunked(plain, 8192), {
      signal: new AbortController().signal,
    });
    expect(result.tables.find((t) => t.name === 'pg_catalog.pg_largeobject')?.rows).toBe(4);
    expect(everything(fresh)).toBe(everything(source));
    const existing = await dbs.fresh();
    await postgresEngine.restore(pgTarget(existing), chunked(plain, 8192), {
      signal: new AbortController().signal,
    });
    expect(everything(existing)).toBe(everything(source));
  });

  it('a changed byte in a large object fails the comparison with the manifest', async () => {
    const copy = dbs.track(uniqueDbName('lblo'));
    const broken = artifactSql.replace(
      "lo_put('424242', 0, '\\x00ff0a5c27')",
      "lo_put('424242', 0, '\\x00ff0a5c28')",
    );
    expect(broken).not.toBe(artifactSql);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8'),
    );
    const want = manifest.tables.find(
      (t: { name: string }) => t.name === 'pg_catalog.pg_largeobject',
    ).checksum;
    const result = await postgresEngine.restore(pgTarget(copy), chunked(broken, 8192), {
      signal: new AbortController().signal,
    });
    const got = result.tables.find((t) => t.name === 'pg_catalog.pg_largeobject');
    expect(got?.rows).toBe(4);
    expect(got?.checksum).not.toBe(want);
  });

  it('a dump that leaves its own transaction open fails instead of losing what it wrote', async () => {
    const name = uniqueDbName('lblo');
    await expect(
      postgresEngine.restore(
        pgTarget(name),
        chunked("BEGIN;\nSELECT pg_catalog.lo_create('5');\n", 8192),
        { signal: new AbortController().signal },
      ),
    ).rejects.toThrow(/ends inside a transaction/);
  });
});
