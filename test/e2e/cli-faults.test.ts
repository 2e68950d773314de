import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, cleanEnv, collect, lifeboat, startLifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { sqlite3, sqliteDump } from '../support/sqlite-cli.js';

/** Resolves when a started backup prints that it is dumping (it holds the lock then), or exits. */
function dumpStarted(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.stderr?.on('data', (d: Buffer | string) => {
      if (d.toString().includes('backing up')) resolve();
    });
    child.on('close', () => resolve());
  });
}

/** Files in a directory; none when a killed run never created it. */
const filesIn = (path: string): string[] => (existsSync(path) ? readdirSync(path) : []);

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Backs up `sqlite:./app.db` in `dir` and returns the artifact name. */
async function backup(dir: string, ...args: string[]): Promise<string> {
  const res = await lifeboat(['backup', 'sqlite:./app.db', '--json', ...args], { cwd: dir });
  expect(res.stderr).not.toContain('error:');
  expect(res.code).toBe(0);
  return (JSON.parse(res.stdout) as { artifact: string }).artifact;
}

describe('damaged artifacts', () => {
  let dir: string;
  let artifact: string;
  beforeAll(async () => {
    dir = tempDir();
    makeAppDb(dir, 'app.db', 3000);
    artifact = await backup(dir);
  });

  const damaged = (name: string, change: (path: string) => void): string => {
    const copy = join(dir, 'backups', name);
    copyFileSync(join(dir, 'backups', artifact), copy);
    copyFileSync(join(dir, 'backups', `${artifact}.manifest.json`), `${copy}.manifest.json`);
    change(copy);
    return name;
  };

  it('reports a truncated artifact as corrupt', async () => {
    const name = damaged('truncated.sql.gz', (p) =>
      truncateSync(p, Math.floor(readFileSync(p).length / 2)),
    );
    const res = await lifeboat(['verify', name], { cwd: dir });
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(
      /error: artifact "truncated\.sql\.gz" is \d+ bytes, the manifest says \d+/,
    );
  });

  it('reports a bit-flipped artifact as altered', async () => {
    const name = damaged('flipped.sql.gz', (p) => {
      const b = readFileSync(p);
      const i = Math.floor(b.length / 2);
      b[i] = (b[i] ?? 0) ^ 0x10;
      writeFileSync(p, b);
    });
    const res = await lifeboat(['verify', name, '--json'], { cwd: dir });
    expect(res.code).toBe(5);
    const out = JSON.parse(res.stdout);
    expect(out.ok).toBe(false);
    // Wherever the flip lands (gzip may stop on it first), the stored bytes are hashed to the
    // end: the report says they changed since the backup.
    expect(out.error.code).toBe('CHECKSUM_MISMATCH');
    expect(out.checks.find((c: { check: string }) => c.check === 'sha256').ok).toBe(false);
  });

  it('reports bytes that match their manifest but do not decompress as written damaged', async () => {
    const name = damaged('bad-gzip.sql.gz', (p) => {
      const b = readFileSync(p);
      b.fill(0x55, 20, 60); // inside the deflate stream: gzip stops on it
      writeFileSync(p, b);
      const manifest = JSON.parse(readFileSync(`${p}.manifest.json`, 'utf8'));
      writeFileSync(`${p}.manifest.json`, JSON.stringify({ ...manifest, sha256: sha256(b) }));
    });
    const res = await lifeboat(['verify', name, '--json'], { cwd: dir });
    expect(res.code).toBe(5);
    const out = JSON.parse(res.stdout);
    expect(out.error.code).toBe('ARTIFACT_CORRUPT');
    expect(out.error.message).toMatch(/^artifact "bad-gzip\.sql\.gz" is corrupt: [^"]+$/);
    expect(out.error.hint).toContain('match the SHA-256 the backup recorded');
    const hash = out.checks.find((c: { check: string }) => c.check === 'sha256');
    expect(hash).toMatchObject({ ok: true, detail: expect.stringContaining('read again') });
  });

  it('checks the SQL text against the XXH64 of the manifest, and the SHA-256 of a version 1 manifest', async () => {
    const text = execFileSync('gunzip', ['-c', join(dir, 'backups', artifact)]);
    const xxh64 = execFileSync('xxhsum', ['-H1'], { input: text }).toString().split(' ')[0];
    const manifest = JSON.parse(
      readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8'),
    );
    expect(manifest.version).toBe(2);
    expect(manifest.content).toEqual({ size: text.length, xxh64 });
    // Only the manifest differs: the stored bytes match it, so verify reaches the text.
    const withContent = (name: string, version: number, content: object): string =>
      damaged(name, (p) =>
        writeFileSync(`${p}.manifest.json`, JSON.stringify({ ...manifest, version, content })),
      );
    const verify = async (name: string) => {
      const res = await lifeboat(['verify', name, '--json'], { cwd: dir });
      return { code: res.code, out: JSON.parse(res.stdout) };
    };
    const v1 = { size: text.length, sha256: sha256(text) };
    expect((await verify(withContent('v1.sql.gz', 1, v1))).code).toBe(0);

    const differs = /^artifact "[^"]+" decompresses to different content than was backed up$/;
    const wrongV1 = { ...v1, sha256: sha256(Buffer.from('other')) };
    const wrongV2 = { size: text.length, xxh64: (xxh64 === '0'.repeat(16) ? '1' : '0').repeat(16) };
    for (const [name, version, content] of [
      ['v1-wrong.sql.gz', 1, wrongV1],
      ['v2-wrong.sql.gz', 2, wrongV2],
      ['v2-size.sql.gz', 2, { size: text.length + 1, xxh64 }],
    ] as const) {
      const { code, out } = await verify(withContent(name, version, content));
      expect(code, name).toBe(5);
      expect(out.error.code, name).toBe('ARTIFACT_CORRUPT');
      expect(out.error.message, name).toMatch(differs);
      expect(out.checks.find((c: { check: string }) => c.check === 'sha256').ok, name).toBe(true);
    }

    const { code, out } = await verify(withContent('no-sum.sql.gz', 2, { size: text.length }));
    expect(code).toBe(5);
    expect(out.error.code).toBe('MANIFEST_INVALID');
  });

  it('reports an artifact without manifest', async () => {
    const name = damaged('orphan.sql.gz', (p) => rmSync(`${p}.manifest.json`));
    const res = await lifeboat(['verify', name], { cwd: dir });
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('error: artifact "orphan.sql.gz" has no manifest');
  });

  it('a restore that fails half way leaves the target exactly as it was', async () => {
    // An uncompressed artifact whose SQL breaks late, with a manifest that matches the broken
    // bytes: only the restore itself can notice.
    const plain = await backup(dir, '--compress', 'none');
    const path = join(dir, 'backups', plain);
    const sql = readFileSync(path, 'utf8');
    const at = sql.lastIndexOf('INSERT INTO');
    const broken = Buffer.from(
      `${sql.slice(0, at)}INSERT INTO no_such_table VALUES(1);\n${sql.slice(at)}`,
    );
    writeFileSync(path, broken);
    const manifestPath = `${path}.manifest.json`;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.size = broken.length;
    manifest.sha256 = sha256(broken);
    manifest.content = { size: broken.length, sha256: sha256(broken) };
    writeFileSync(manifestPath, JSON.stringify(manifest));

    const target = join(dir, 'target.db');
    makeAppDb(dir, 'target.db', 40);
    sqlite3(target, "INSERT INTO roles VALUES (7, 'target-only');");
    const before = sqliteDump(target);
    const res = await lifeboat(
      ['restore', plain, '--to', 'sqlite:./target.db', '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(res.code).toBe(9);
    expect(res.stderr).toMatch(/error: restore failed at statement \d+/);
    expect(sqliteDump(target)).toBe(before);
  });

  it('a restore of a bit-flipped artifact fails before commit and leaves the target as it was', async () => {
    const plain = await backup(dir, '--compress', 'none');
    const path = join(dir, 'backups', plain);
    const sql = readFileSync(path, 'utf8');
    // Change one digit inside the data: valid SQL, different content.
    writeFileSync(
      path,
      sql.replace("'user1@example.com'", "'user7@example.com'").replace('user2000@', 'user2001@'),
    );
    const target = join(dir, 'target2.db');
    makeAppDb(dir, 'target2.db', 40);
    const before = sqliteDump(target);
    const res = await lifeboat(
      ['restore', plain, '--to', 'sqlite:./target2.db', '--force', '--no-safety-backup'],
      { cwd: dir },
    );
    expect(res.code).not.toBe(0);
    expect(sqliteDump(target)).toBe(before);
  });
});

describe('interrupted and concurrent backups', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    makeAppDb(dir, 'app.db', 400_000);
  });

  it('kill -9 at any point never leaves an artifact that lists or restores as valid', async () => {
    // Kill at start-up, and at points through the dump measured from its start (not from the
    // spawn, so a slow, loaded machine still kills mid-dump rather than before it begins).
    // Each run backs up its own copy: a killed run's lock is only taken over once stale
    // (about 10 s), and the storage is what is under test here, not the lock.
    for (const [i, delayMs] of [null, 0, 100, 300, 600, 1000].entries()) {
      copyFileSync(join(dir, 'app.db'), join(dir, `app${i}.db`));
      const child = startLifeboat(['backup', `sqlite:./app${i}.db`, '--compress', 'none'], {
        cwd: dir,
      });
      const done = collect(child);
      if (delayMs !== null) {
        await dumpStarted(child);
        await sleep(delayMs);
      }
      child.kill('SIGKILL');
      await done;
    }
    const list = await lifeboat(['list', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout).artifacts as { artifact: string }[];
    // Whatever survived must be whole: every listed artifact verifies deep.
    for (const { artifact } of listed) {
      const v = await lifeboat(['verify', artifact], { cwd: dir });
      expect(v.code, `${artifact}: ${v.stderr}`).toBe(0);
    }
    // Visible files are only complete artifacts and their manifests; temporaries are hidden.
    const visible = filesIn(join(dir, 'backups')).filter((f) => !f.startsWith('.'));
    expect(visible.filter((f) => !f.endsWith('.manifest.json')).sort()).toEqual(
      listed.map((a) => a.artifact).sort(),
    );
    // The next backup cleans up the dead runs' temporaries.
    const next = await lifeboat(['backup', 'sqlite:./app.db', '--compress', 'none'], { cwd: dir });
    expect(next.code).toBe(0);
    expect(filesIn(join(dir, 'backups')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('a second backup of the same connection fails clearly while the first runs, or waits with --wait', async () => {
    const first = startLifeboat(
      ['backup', 'sqlite:./app.db', '--compress', 'gzip', '--compress-level', '9'],
      { cwd: dir },
    );
    const firstDone = collect(first);
    // Only once the first holds the lock and is dumping (start-up is slow on a loaded machine).
    await dumpStarted(first);
    const second = await lifeboat(['backup', 'sqlite:./app.db'], { cwd: dir });
    const waiting = await lifeboat(['backup', 'sqlite:./app.db', '--wait', '--json'], { cwd: dir });
    const firstResult = await firstDone;
    expect(firstResult.code).toBe(0);
    expect(second.code).toBe(7);
    expect(second.stderr).toMatch(/error: connection .* is busy: backup by pid \d+/);
    expect(second.stderr).toContain('--wait');
    expect(waiting.code).toBe(0);
  });
});

describe('bad input', () => {
  it('a missing database file is a one-line error with a hint', async () => {
    const dir = tempDir();
    const res = await lifeboat(['backup', 'sqlite:./nope.db'], { cwd: dir });
    expect(res.code).toBe(4);
    // What was attempted, then the error on one line and its hint: no stack, no cascade.
    const lines = res.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^backing up "nope"/);
    expect(res.stderr).toMatch(/^error: .*nope\.db/m);
    expect(res.stderr).toMatch(/^hint: /m);
  });

  it('a bad URL and an unknown engine are usage errors', async () => {
    const dir = tempDir();
    const bad = await lifeboat(['backup', 'ftp://x/y'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: ');
  });

  it('a file that is not a database is reported as such', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'junk.db'), 'this is not a database, just text '.repeat(200));
    const res = await lifeboat(['backup', 'sqlite:./junk.db'], { cwd: dir });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/error: .*junk\.db/);
  });

  it('a storage directory the user may not write to is PERMISSION_DENIED, exit 6', async () => {
    // Root ignores file modes, so the CLI runs as "nobody" against a root-owned directory.
    const dir = tempDir();
    chmodSync(dir, 0o755);
    // Rollback-journal mode: a WAL database needs a writable directory even to be read.
    sqlite3(join(dir, 'app.db'), 'CREATE TABLE t(a); INSERT INTO t VALUES (1);');
    chmodSync(join(dir, 'app.db'), 0o644);
    mkdirSync(join(dir, 'backups'), { mode: 0o755 });
    mkdirSync(join(dir, '.lifeboat'), { mode: 0o777 });
    chmodSync(join(dir, '.lifeboat'), 0o777);
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      execFile(
        'runuser',
        ['-u', 'nobody', '--', process.execPath, CLI, 'backup', 'sqlite:./app.db'],
        { cwd: dir, env: cleanEnv() },
        (err, _stdout, stderr) => {
          if (err && typeof err.code !== 'number') reject(err);
          else resolve({ code: err ? (err.code as number) : 0, stderr });
        },
      );
    });
    expect(res.code, res.stderr).toBe(6);
    expect(res.stderr).toMatch(/^error: permission denied while writing ".*backups/m);
    expect(readdirSync(join(dir, 'backups'))).toEqual([]);
  });

  it('an invalid lifeboat.yaml names the key and what was expected', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lifeboat.yaml'), 'storage:\n  local: { type: ftp, path: ./b }\n');
    const res = await lifeboat(['list'], { cwd: dir });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('storage.local.type');
  });
});
