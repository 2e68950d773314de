import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { sqliteDump } from '../support/sqlite-cli.js';

describe('zstd through the CLI', () => {
  it('backs up to .sql.zst that zstd -d | sqlite3 restores; verify and restore read it', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    const res = await lifeboat(
      ['backup', 'sqlite:./app.db', '--compress', 'zstd', '--compress-level', '9', '--json'],
      { cwd: dir },
    );
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    const artifact = JSON.parse(res.stdout).artifact as string;
    expect(artifact).toMatch(/^app_\d{4}-\d\d-\d\d_\d{6}\.sql\.zst$/);
    const file = join(dir, 'backups', artifact);
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    expect(manifest.compression).toBe('zstd');
    expect(manifest.encryption).toBeNull();
    expect(manifest.pipeline[2]).toMatchObject({ stage: 'zstd', level: 9 });
    const sql = execFileSync('zstd', ['-dc', file]).toString();
    execFileSync('sqlite3', [join(dir, 'by-hand.db')], { input: sql });
    expect(sqliteDump(join(dir, 'by-hand.db'))).toBe(sqliteDump(join(dir, 'app.db')));
    const deep = await lifeboat(['verify', artifact, '--deep'], { cwd: dir });
    expect(deep.code, deep.stderr).toBe(0);
    const restore = await lifeboat(
      ['restore', artifact, '--to', 'sqlite:./copy.db', '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(restore.code, restore.stderr).toBe(0);
    expect(sqliteDump(join(dir, 'copy.db'))).toBe(sqliteDump(join(dir, 'app.db')));
  });

  it('reports a truncated zstd artifact as corrupt and rejects out-of-range levels', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    const res = await lifeboat(['backup', 'sqlite:./app.db', '--compress', 'zstd', '--json'], {
      cwd: dir,
    });
    const artifact = JSON.parse(res.stdout).artifact as string;
    const file = join(dir, 'backups', artifact);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 50));
    const verify = await lifeboat(['verify', artifact], { cwd: dir });
    expect(verify.code).toBe(5);
    expect(verify.stderr).toContain(`error: artifact "${artifact}" is`);
    const level = await lifeboat(
      ['backup', 'sqlite:./app.db', '--compress', 'gzip', '--compress-level', '15'],
      { cwd: dir },
    );
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('error: compression level 15 is out of range for gzip (1-9)');
  });
});
