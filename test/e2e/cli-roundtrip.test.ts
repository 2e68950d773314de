import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { sqlite3, sqliteDump } from '../support/sqlite-cli.js';

describe('lifeboat CLI round trip (SQLite, local storage)', () => {
  let dir: string;
  let source: string;
  let artifact: string;

  beforeAll(async () => {
    dir = tempDir();
    source = makeAppDb(dir);
    const res = await lifeboat(['backup', 'sqlite:./app.db', '--json'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      artifact: string;
      tables: { name: string; rows: number }[];
    };
    artifact = out.artifact;
  });

  it('names the artifact <connection>_<date>_<time>.sql.gz and writes a manifest beside it', () => {
    expect(artifact).toMatch(/^app_\d{4}-\d\d-\d\d_\d{6}\.sql\.gz$/);
    const files = readdirSync(join(dir, 'backups')).sort();
    expect(files).toEqual([artifact, `${artifact}.manifest.json`]);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8'),
    );
    expect(manifest.engine).toBe('sqlite');
    expect(manifest.tables.find((t: { name: string }) => t.name === 'users').rows).toBe(499);
  });

  it('lists, inspects and verifies (file and deep) the artifact', async () => {
    const list = await lifeboat(['list', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).artifacts.map((a: { artifact: string }) => a.artifact)).toEqual([
      artifact,
    ]);

    const inspect = await lifeboat(['inspect', artifact], { cwd: dir });
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/users\s+499\s+lifeboat-sqlite-v1:/);

    const verify = await lifeboat(['verify', artifact], { cwd: dir });
    expect(verify.code).toBe(0);
    const deep = await lifeboat(['verify', artifact, '--deep', '--json'], { cwd: dir });
    expect(deep.code).toBe(0);
    const result = JSON.parse(deep.stdout);
    expect(result.ok).toBe(true);
    expect(result.restoreMs).toBeGreaterThanOrEqual(0);
    expect(result.tables.length).toBe(4);
  });

  it('restores into a new database identical to the source (sqlite3 .dump byte-identical)', async () => {
    const res = await lifeboat(['restore', artifact, '--to', 'sqlite:./copy.db', '--force'], {
      cwd: dir,
    });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    expect(sqliteDump(join(dir, 'copy.db'))).toBe(sqliteDump(source));
  });

  it('restores with the real gunzip | sqlite3, without lifeboat', () => {
    const out = join(dir, 'by-sqlite3.db');
    sqlite3(out, '');
    const sql = readFileSync(join(dir, 'backups', artifact));
    sqlite3(out, gunzipSync(sql).toString('utf8'));
    expect(sqliteDump(out)).toBe(sqliteDump(source));
  });

  it('restores a plain `sqlite3 .dump` file, warning that it has no manifest', async () => {
    writeFileSync(join(dir, 'plain.sql'), sqliteDump(source));
    const res = await lifeboat(
      ['restore', './plain.sql', '--to', 'sqlite:./from-dump.db', '--force'],
      { cwd: dir },
    );
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('warning: "plain.sql" has no manifest');
    expect(sqliteDump(join(dir, 'from-dump.db'))).toBe(sqliteDump(source));
  });

  it('deep-verifies schema-only and data-only backups, and restores rows of a data-only one', async () => {
    for (const scope of ['--schema-only', '--data-only']) {
      const res = await lifeboat(['backup', 'sqlite:./app.db', scope, '--verify=deep', '--json'], {
        cwd: dir,
      });
      expect(res.stderr).not.toContain('error:');
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout).verification.ok).toBe(true);
    }
    const dataOnly = await lifeboat(['backup', 'sqlite:./app.db', '--data-only', '--json'], {
      cwd: dir,
    });
    const target = join(dir, 'data-target.db');
    copyFileSync(source, target);
    sqlite3(target, "DELETE FROM notes; INSERT INTO roles VALUES (5, 'extra');");
    const res = await lifeboat(
      [
        'restore',
        JSON.parse(dataOnly.stdout).artifact,
        '--to',
        'sqlite:./data-target.db',
        '--force',
      ],
      { cwd: dir },
    );
    expect(res.stderr).not.toContain('error:');
    expect(sqliteDump(target)).toBe(sqliteDump(source));
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const target = join(dir, 'dry.db');
    copyFileSync(source, target);
    sqlite3(target, "INSERT INTO roles VALUES (3, 'extra');");
    const before = sqliteDump(target);
    const res = await lifeboat(['restore', artifact, '--to', 'sqlite:./dry.db', '--dry-run'], {
      cwd: dir,
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/roles\s+replace\s+3\s+2/);
    expect(res.stdout).toContain('dry run');
    expect(sqliteDump(target)).toBe(before);
  });

  it('refuses to restore without a terminal unless --force', async () => {
    const target = join(dir, 'noforce.db');
    copyFileSync(source, target);
    const before = sqliteDump(target);
    const res = await lifeboat(['restore', artifact, '--to', 'sqlite:./noforce.db'], { cwd: dir });
    expect(res.code).toBe(10);
    expect(res.stderr).toContain('error: restoring into "noforce" needs confirmation');
    expect(res.stderr).toContain('hint: ');
    expect(sqliteDump(target)).toBe(before);
  });

  it('takes a safety backup of the target before replacing it', async () => {
    const target = join(dir, 'safety.db');
    copyFileSync(source, target);
    sqlite3(target, "INSERT INTO roles VALUES (9, 'only-in-target');");
    const res = await lifeboat(
      ['restore', artifact, '--to', 'sqlite:./safety.db', '--force', '--json'],
      { cwd: dir },
    );
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.safetyBackup).toMatch(/^safety_.*_pre-restore\.sql\.gz$/);
    expect(sqliteDump(target)).toBe(sqliteDump(source));
    // The safety backup holds what the target had, and restores it.
    const back = await lifeboat(
      ['restore', out.safetyBackup, '--to', 'sqlite:./safety.db', '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(back.code).toBe(0);
    expect(sqlite3(target, 'SELECT name FROM roles WHERE id = 9;').trim()).toBe('only-in-target');
  });

  it('restores only the tables named with --tables', async () => {
    const target = join(dir, 'partial.db');
    copyFileSync(source, target);
    sqlite3(target, "DELETE FROM notes; UPDATE roles SET name = 'changed';");
    const res = await lifeboat(
      [
        'restore',
        artifact,
        '--to',
        'sqlite:./partial.db',
        '--tables',
        'notes',
        '--force',
        '--no-safety-backup',
      ],
      { cwd: dir },
    );
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    expect(sqlite3(target, 'SELECT count(*) FROM notes;').trim()).toBe('4');
    expect(sqlite3(target, 'SELECT DISTINCT name FROM roles;').trim()).toBe('changed');
  });

  it('names the available artifacts when the one asked for does not exist', async () => {
    const res = await lifeboat(['restore', 'app_1999-01-01_000000.sql.gz', '--force'], {
      cwd: dir,
    });
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('error: no artifact named "app_1999-01-01_000000.sql.gz"');
    expect(res.stderr).toContain(artifact);
  });

  it('records every operation in history, and list survives a deleted catalog', async () => {
    const history = await lifeboat(['history', '--json'], { cwd: dir });
    const ops = JSON.parse(history.stdout).operations as { operation: string; status: string }[];
    expect(ops.some((o) => o.operation === 'backup' && o.status === 'succeeded')).toBe(true);
    expect(ops.some((o) => o.operation === 'restore' && o.status === 'succeeded')).toBe(true);
    expect(ops.some((o) => o.operation === 'verify')).toBe(true);
    rmSync(join(dir, '.lifeboat'), { recursive: true });
    const list = await lifeboat(['list', '--json'], { cwd: dir, env: cleanEnv() });
    expect(list.code).toBe(0);
    expect(
      JSON.parse(list.stdout).artifacts.map((a: { artifact: string }) => a.artifact),
    ).toContain(artifact);
    expect(existsSync(join(dir, '.lifeboat'))).toBe(true);
  });
});
