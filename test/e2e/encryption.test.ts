import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { sqlite3, sqliteDump } from '../support/sqlite-cli.js';

describe('age encryption through the CLI (SQLite, local storage)', () => {
  let dir: string;
  let recipient: string;
  let artifact: string;

  beforeAll(async () => {
    dir = tempDir();
    makeAppDb(dir);
    const keygen = await lifeboat(['keygen', '--output', 'key.txt'], { cwd: dir });
    expect(keygen.stderr).not.toContain('error:');
    recipient = keygen.stdout.trim();
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      `connections:\n  app: { url: "sqlite:./app.db" }\nstorage:\n  local: { type: local, path: ./backups }\n` +
        `defaults:\n  encrypt: { recipients: ["${recipient}"] }\n`,
    );
    const res = await lifeboat(['backup', 'app', '--encrypt', '--json'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    artifact = (JSON.parse(res.stdout) as { artifact: string }).artifact;
  });

  it('keygen writes an age identity file (0600) and prints its public key', () => {
    expect(recipient).toMatch(/^age1[a-z0-9]{58}$/);
    const text = readFileSync(join(dir, 'key.txt'), 'utf8');
    expect(text).toContain(`# public key: ${recipient}\n`);
    expect(text).toMatch(/^AGE-SECRET-KEY-1[A-Z0-9]{58}$/m);
    expect(statSync(join(dir, 'key.txt')).mode & 0o777).toBe(0o600);
    expect(
      execFileSync('age-keygen', ['-y', join(dir, 'key.txt')])
        .toString()
        .trim(),
    ).toBe(recipient);
  });

  it('names the artifact .sql.gz.age and records encryption (no secret) in the manifest', () => {
    expect(artifact).toMatch(/^app_\d{4}-\d\d-\d\d_\d{6}\.sql\.gz\.age$/);
    const manifestText = readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8');
    const manifest = JSON.parse(manifestText);
    expect(manifest.encryption).toEqual({ format: 'age', recipients: 1, mode: 'x25519' });
    expect(manifest.compression).toBe('gzip');
    expect(manifest.pipeline.map((s: { stage: string }) => s.stage)).toEqual([
      'xxh64',
      'size',
      'gzip',
      'age',
      'sha256',
      'size',
    ]);
    expect(manifestText).not.toContain('AGE-SECRET-KEY');
  });

  it('age -d -i key.txt | gunzip | sqlite3 restores it without lifeboat', () => {
    const file = join(dir, 'backups', artifact);
    const sql = execFileSync('sh', [
      '-c',
      `age -d -i "${join(dir, 'key.txt')}" "${file}" | gunzip`,
    ]).toString();
    const target = join(dir, 'by-hand.db');
    execFileSync('sqlite3', [target], { input: sql });
    expect(sqliteDump(target)).toBe(sqliteDump(join(dir, 'app.db')));
  });

  it('verify checks the stored bytes without a key, and decrypts with --identity', async () => {
    const noKey = await lifeboat(['verify', artifact, '--json'], { cwd: dir });
    expect(noKey.code).toBe(0);
    expect(JSON.parse(noKey.stdout).checks.map((c: { check: string }) => c.check)).toContain(
      'decrypt',
    );
    const deepNoKey = await lifeboat(['verify', artifact, '--deep'], { cwd: dir });
    expect(deepNoKey.code).toBe(2);
    expect(deepNoKey.stderr).toContain(
      `error: artifact "${artifact}" is encrypted and no key was given`,
    );
    const deep = await lifeboat(['verify', artifact, '--deep', '--identity', 'key.txt', '--json'], {
      cwd: dir,
    });
    expect(deep.stderr).not.toContain('error:');
    expect(deep.code).toBe(0);
    expect(JSON.parse(deep.stdout).ok).toBe(true);
  });

  it('restores with LIFEBOAT_AGE_IDENTITY; a wrong key fails clearly and changes nothing', async () => {
    const before = sqliteDump(join(dir, 'app.db'));
    sqlite3(join(dir, 'app.db'), 'DELETE FROM users WHERE id > 100;');
    const changed = sqliteDump(join(dir, 'app.db'));
    const other = tempDir();
    await lifeboat(['keygen', '--output', join(other, 'other.txt')], { cwd: other });
    const wrong = await lifeboat(
      ['restore', artifact, '--force', '--identity', join(other, 'other.txt')],
      { cwd: dir },
    );
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain(
      `error: cannot decrypt "${artifact}": none of the given identities or passphrases matches it`,
    );
    expect(sqliteDump(join(dir, 'app.db'))).toBe(changed);
    const missing = await lifeboat(['restore', artifact, '--force'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('hint: pass --identity <file>');
    const ok = await lifeboat(['restore', artifact, '--force', '--no-safety-backup'], {
      cwd: dir,
      env: cleanEnv({ LIFEBOAT_AGE_IDENTITY: join(dir, 'key.txt') }),
    });
    expect(ok.stderr).not.toContain('error:');
    expect(ok.code).toBe(0);
    expect(sqliteDump(join(dir, 'app.db'))).toBe(before);
  });

  it('restores an artifact the age CLI encrypted (with a handmade manifest)', async () => {
    const file = join(dir, 'backups', artifact);
    const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8'));
    const plain = execFileSync('age', ['-d', '-i', join(dir, 'key.txt'), file]);
    const theirs = execFileSync('age', ['-r', recipient], { input: plain });
    const name = 'app_2020-01-01_000000.sql.gz.age';
    writeFileSync(join(dir, 'backups', name), theirs);
    const sha256 = execFileSync('sha256sum', [join(dir, 'backups', name)])
      .toString()
      .split(' ')[0];
    writeFileSync(
      join(dir, 'backups', `${name}.manifest.json`),
      JSON.stringify({ ...manifest, artifact: name, size: theirs.length, sha256 }),
    );
    sqlite3(join(dir, 'app.db'), 'DELETE FROM users;');
    const res = await lifeboat(
      ['restore', name, '--force', '--no-safety-backup', '--identity', 'key.txt'],
      { cwd: dir },
    );
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    expect(sqlite3(join(dir, 'app.db'), 'SELECT count(*) FROM users;').trim()).toBe('499');
  });

  it('encrypts to several recipients and with a passphrase, and refuses --encrypt without keys', async () => {
    const d = tempDir();
    makeAppDb(d);
    const a = (await lifeboat(['keygen', '--output', 'a.txt'], { cwd: d })).stdout.trim();
    const b = (await lifeboat(['keygen', '--output', 'b.txt'], { cwd: d })).stdout.trim();
    const two = await lifeboat(
      [
        'backup',
        'sqlite:./app.db',
        '--recipient',
        a,
        '--recipient',
        b,
        '--compress',
        'zstd',
        '--json',
      ],
      { cwd: d },
    );
    expect(two.code).toBe(0);
    const name = JSON.parse(two.stdout).artifact as string;
    expect(name).toMatch(/\.sql\.zst\.age$/);
    for (const key of ['a.txt', 'b.txt']) {
      const v = await lifeboat(['verify', name, '--deep', '--identity', key], { cwd: d });
      expect(v.code, v.stderr).toBe(0);
    }
    const env = cleanEnv({ BACKUP_PASS: 'a long random passphrase' });
    const pass = await lifeboat(
      ['backup', 'sqlite:./app.db', '--passphrase-env', 'BACKUP_PASS', '--tag', 'pw', '--json'],
      { cwd: d, env },
    );
    expect(pass.code, pass.stderr).toBe(0);
    const pwName = JSON.parse(pass.stdout).artifact as string;
    const manifest = JSON.parse(
      readFileSync(join(d, 'backups', `${pwName}.manifest.json`), 'utf8'),
    );
    expect(manifest.encryption).toEqual({ format: 'age', recipients: 0, mode: 'passphrase' });
    const v = await lifeboat(['verify', pwName, '--deep', '--passphrase-env', 'BACKUP_PASS'], {
      cwd: d,
      env,
    });
    expect(v.code, v.stderr).toBe(0);
    const none = await lifeboat(['backup', 'sqlite:./app.db', '--encrypt'], { cwd: d });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error: --encrypt needs recipients, and none are configured');
    expect(readdirSync(join(d, 'backups')).filter((f) => !f.endsWith('.json'))).toHaveLength(2);
    // age's scrypt for a passphrase takes seconds on a loaded 2-core machine, four times here.
  }, 150_000);
});
