import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { sqliteDump } from '../support/sqlite-cli.js';
import { s3Options, s3StorageYaml } from '../support/storage-s3.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';

interface Listed {
  artifact: string;
  storage: string;
  connection: string;
  engine: string | null;
  tables: number | null;
  rows: number | null;
  encrypted: boolean;
  manifestSealed: boolean;
}

function listed(stdout: string): Listed[] {
  return (JSON.parse(stdout) as { artifacts: Listed[] }).artifacts;
}

/** lifeboat.yaml: local disk and a prefix of the S3 test server, encrypted to `recipient`. */
function writeConfig(dir: string, server: TestS3Server, recipient: string, extra = ''): void {
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      'connections:',
      '  app: { url: "sqlite:./app.db" }',
      'storage:',
      '  local: { type: local, path: ./backups }',
      ...s3StorageYaml(
        server,
        'offsite',
        `sealed-${process.pid}-${Math.random().toString(36).slice(2)}/`,
      ),
      'defaults:',
      '  storage: [local, offsite]',
      `  encrypt: { recipients: ["${recipient}"]${extra} }`,
      '',
    ].join('\n'),
  );
}

/** A directory with app.db, key.txt and a config that seals manifests by default. */
async function sealingByDefault(server: TestS3Server): Promise<string> {
  const d = tempDir();
  makeAppDb(d);
  const key = (await lifeboat(['keygen', '--output', 'key.txt'], { cwd: d })).stdout.trim();
  writeConfig(d, server, key, ', manifest: true');
  return d;
}

describe('--encrypt-manifest through the CLI (local disk and S3)', () => {
  let server: TestS3Server;
  let dir: string;
  let artifact: string;

  beforeAll(async () => {
    server = await startS3Server();
    dir = tempDir();
    makeAppDb(dir);
    const keygen = await lifeboat(['keygen', '--output', 'key.txt'], { cwd: dir });
    writeConfig(dir, server, keygen.stdout.trim());
    const res = await lifeboat(['backup', 'app', '--encrypt-manifest', '--json'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { artifact: string; destinations: { ok: boolean }[] };
    expect(out.destinations.map((d) => d.ok)).toEqual([true, true]);
    artifact = out.artifact;
  }, 60_000);

  afterAll(async () => {
    await server.stop();
  });

  it('stores only a public stub beside the artifact; age -d opens the rest', () => {
    const text = readFileSync(join(dir, 'backups', `${artifact}.manifest.json`), 'utf8');
    const stub = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(stub).sort()).toEqual(
      [
        'artifact',
        'connection',
        'encryption',
        'finishedAt',
        'format',
        'sealed',
        'sha256',
        'size',
        'startedAt',
        'tag',
        'version',
      ].sort(),
    );
    expect(stub.format).toBe('lifeboat-sealed-manifest');
    expect(stub.connection).toEqual({ name: 'app' });
    // Neither table names, the source's path, the engine nor row counts are readable.
    for (const secret of ['users', 'user_roles', 'app.db', 'sqlite', '"rows"']) {
      expect(text).not.toContain(secret);
    }
    const inner = JSON.parse(
      execFileSync('age', ['-d', '-i', join(dir, 'key.txt')], {
        input: Buffer.from(stub.sealed as string, 'base64'),
      }).toString(),
    ) as { artifact: string; engine: string; tables: { name: string }[]; sha256: string };
    expect(inner.artifact).toBe(artifact);
    expect(inner.engine).toBe('sqlite');
    expect(inner.sha256).toBe(stub.sha256);
    expect(inner.tables.map((t) => t.name)).toContain('users');
  });

  it('lists without the key from the stub, and in full with it', async () => {
    // The backup host's catalog knows what it wrote, so it lists in full without the key.
    const own = await lifeboat(['list', '--json'], { cwd: dir });
    expect(own.code, own.stderr).toBe(0);
    for (const a of listed(own.stdout)) expect(a).toMatchObject({ engine: 'sqlite', tables: 4 });
    // Another host, with an empty catalog and no key, sees only the stubs.
    rmSync(join(dir, '.lifeboat'), { recursive: true, force: true });
    const bare = await lifeboat(['list', '--json'], { cwd: dir });
    expect(bare.code, bare.stderr).toBe(0);
    const stubs = listed(bare.stdout);
    expect(stubs.map((a) => [a.storage, a.artifact]).sort()).toEqual([
      ['local', artifact],
      ['offsite', artifact],
    ]);
    for (const a of stubs) {
      expect(a).toMatchObject({ connection: 'app', engine: null, tables: null, rows: null });
      expect(a).toMatchObject({ encrypted: true, manifestSealed: true });
    }
    const text = await lifeboat(['list'], { cwd: dir });
    expect(text.stdout).toContain('sealed');
    const keyed = await lifeboat(['list', '--identity', 'key.txt', '--json'], { cwd: dir });
    expect(keyed.code, keyed.stderr).toBe(0);
    for (const a of listed(keyed.stdout)) {
      expect(a).toMatchObject({ engine: 'sqlite', tables: 4, manifestSealed: false });
      expect(a.rows).toBeGreaterThan(1000);
    }
  });

  it('inspect and verify say which key is missing, and work with it', async () => {
    const inspect = await lifeboat(['inspect', artifact], { cwd: dir });
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain(
      `error: the manifest of "${artifact}" is encrypted (--encrypt-manifest) and no key was given`,
    );
    expect(inspect.stderr).toContain('hint: pass --identity <file>');
    const opened = await lifeboat(['inspect', artifact, '--identity', 'key.txt'], { cwd: dir });
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toMatch(/^users\s+499\s/m);

    // Without a key a file verify checks the stored bytes against the public part; a deep
    // verify has to open the manifest and says which key is missing.
    const verify = await lifeboat(['verify', artifact, '--json'], { cwd: dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain('the manifest is encrypted and no key was given');
    expect(JSON.parse(verify.stdout)).toMatchObject({
      ok: true,
      checks: expect.arrayContaining([expect.objectContaining({ check: 'sha256', ok: true })]),
    });
    const deepNoKey = await lifeboat(['verify', artifact, '--deep'], { cwd: dir });
    expect(deepNoKey.code).toBe(2);
    expect(deepNoKey.stderr).toContain('is encrypted (--encrypt-manifest) and no key was given');
    const deep = await lifeboat(['verify', artifact, '--deep', '--json'], {
      cwd: dir,
      env: cleanEnv({ LIFEBOAT_AGE_IDENTITY: join(dir, 'key.txt') }),
    });
    expect(deep.code, deep.stderr).toBe(0);
    expect((JSON.parse(deep.stdout) as { ok: boolean; deep: boolean }).deep).toBe(true);

    const other = tempDir();
    await lifeboat(['keygen', '--output', join(other, 'other.txt')], { cwd: other });
    const wrong = await lifeboat(['inspect', artifact, '--identity', join(other, 'other.txt')], {
      cwd: dir,
    });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toContain('none of the given identities or passphrases matches it');
  }, 60_000);

  it('recovers from the bucket alone: empty catalog, list --storage, catalog rebuild, restore', async () => {
    rmSync(join(dir, 'backups'), { recursive: true, force: true });
    rmSync(join(dir, '.lifeboat'), { recursive: true, force: true });
    const list = await lifeboat(['list', '--storage', 'offsite', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    expect(listed(list.stdout).map((a) => a.artifact)).toEqual([artifact]);

    const rebuild = await lifeboat(['catalog', 'rebuild', '--identity', 'key.txt', '--json'], {
      cwd: dir,
    });
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(JSON.parse(rebuild.stdout)).toMatchObject({
      storages: expect.arrayContaining([{ storage: 'offsite', artifacts: 1, problems: 0 }]),
    });

    const noKey = await lifeboat(['restore', artifact, '--to', 'sqlite:./dr.db', '--force'], {
      cwd: dir,
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('hint: pass --identity <file>');
    const restore = await lifeboat(
      ['restore', artifact, '--to', 'sqlite:./dr.db', '--force', '--identity', 'key.txt'],
      { cwd: dir },
    );
    expect(restore.stderr).not.toContain('error:');
    expect(restore.code).toBe(0);
    expect(sqliteDump(join(dir, 'dr.db'))).toBe(sqliteDump(join(dir, 'app.db')));
  }, 60_000);

  it('refuses a stub edited to disagree with its sealed part', async () => {
    const d = await sealingByDefault(server);
    const res = await lifeboat(['backup', 'app', '--to', 'local', '--json'], { cwd: d });
    expect(res.code, res.stderr).toBe(0);
    const name = (JSON.parse(res.stdout) as { artifact: string }).artifact;
    const path = join(d, 'backups', `${name}.manifest.json`);
    const stub = JSON.parse(readFileSync(path, 'utf8')) as { format: string; finishedAt: string };
    // defaults.encrypt.manifest seals without the flag.
    expect(stub.format).toBe('lifeboat-sealed-manifest');
    writeFileSync(path, JSON.stringify({ ...stub, finishedAt: '2020-01-01T00:00:00.000Z' }));
    const verify = await lifeboat(['verify', name, '--identity', 'key.txt'], { cwd: d });
    expect(verify.code).toBe(5);
    expect(verify.stderr).toContain(
      'has a public part that disagrees with its encrypted part at "finishedAt"',
    );
    // Without the key the stored bytes are still checked against the public part.
    const artifactPath = join(d, 'backups', name);
    const bytes = readFileSync(artifactPath);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    writeFileSync(artifactPath, bytes);
    const damaged = await lifeboat(['verify', name], { cwd: d, env: cleanEnv() });
    expect(damaged.code).toBe(5);
    expect(damaged.stderr).toContain(`artifact "${name}" does not match its SHA-256`);
  }, 60_000);

  it('seals with a passphrase, and refuses --encrypt-manifest without encryption', async () => {
    const d = tempDir();
    makeAppDb(d);
    const env = cleanEnv({ BACKUP_PASS: 'a long random passphrase' });
    const storage = new S3Storage(s3Options(server));
    writeFileSync(
      join(d, 'lifeboat.yaml'),
      [
        'storage:',
        ...s3StorageYaml(server, 'offsite', storage.location.split('/').slice(3).join('/')),
        'defaults: { storage: [offsite] }',
        '',
      ].join('\n'),
    );
    const res = await lifeboat(
      [
        'backup',
        'sqlite:./app.db',
        '--passphrase-env',
        'BACKUP_PASS',
        '--encrypt-manifest',
        '--verify',
        '--json',
      ],
      { cwd: d, env },
    );
    expect(res.code, res.stderr).toBe(0);
    const name = (JSON.parse(res.stdout) as { artifact: string }).artifact;
    const chunks: Buffer[] = [];
    for await (const c of await storage.get(`${name}.manifest.json`)) chunks.push(c as Buffer);
    storage.close();
    const stub = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    expect(stub).toMatchObject({
      format: 'lifeboat-sealed-manifest',
      encryption: { format: 'age', recipients: 0, mode: 'passphrase' },
    });
    const restore = await lifeboat(
      ['restore', name, '--to', 'sqlite:./copy.db', '--force', '--passphrase-env', 'BACKUP_PASS'],
      { cwd: d, env },
    );
    expect(restore.code, restore.stderr).toBe(0);
    expect(sqliteDump(join(d, 'copy.db'))).toBe(sqliteDump(join(d, 'app.db')));

    const plain = await lifeboat(['backup', 'sqlite:./app.db', '--encrypt-manifest'], {
      cwd: d,
      env,
    });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('error: --encrypt-manifest needs an encrypted backup');
  }, 180_000);

  it('prunes sealed backups on a host without the key, artifact and manifest together', async () => {
    const d = await sealingByDefault(server);
    writeFileSync(
      join(d, 'lifeboat.yaml'),
      readFileSync(join(d, 'lifeboat.yaml'), 'utf8').replace(
        'defaults:\n  storage: [local, offsite]',
        'defaults:\n  storage: [local]\n  retention: { keep_last: 1 }',
      ),
    );
    const names: string[] = [];
    for (const tag of ['one', 'two']) {
      const res = await lifeboat(['backup', 'app', '--tag', tag, '--json'], { cwd: d });
      expect(res.code, res.stderr).toBe(0);
      names.push((JSON.parse(res.stdout) as { artifact: string }).artifact);
    }
    const prune = await lifeboat(['prune', '--force', '--json'], { cwd: d });
    expect(prune.code, prune.stderr).toBe(0);
    expect(JSON.parse(prune.stdout)).toMatchObject({ deleted: 1, kept: 1 });
    expect(readdirSync(join(d, 'backups')).sort()).toEqual([
      names[1],
      `${names[1] as string}.manifest.json`,
    ]);
  }, 60_000);
});
