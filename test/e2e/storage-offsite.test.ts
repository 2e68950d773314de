import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { CLI, cleanEnv, lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { sqliteDump } from '../support/sqlite-cli.js';
import { s3StorageYaml } from '../support/storage-s3.js';

/** lifeboat.yaml with a local storage and an S3 one on the test server. */
function writeConfig(dir: string, endpoint: string, bucket: string): void {
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      'storage:',
      '  local: { type: local, path: ./backups }',
      ...s3StorageYaml({ endpoint, bucket }, 'offsite', 'app/', ['max_attempts: 2']),
      'defaults: { storage: [local] }',
      '',
    ].join('\n'),
  );
}

describe('off-site backups to S3 through the CLI', () => {
  let server: TestS3Server;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('backs up to local and offsite, and restores from the bucket alone (DR)', async () => {
    const dir = tempDir();
    const source = makeAppDb(dir);
    writeConfig(dir, server.endpoint, server.bucket);
    const backup = await lifeboat(
      ['backup', 'sqlite:./app.db', '--to', 'local,offsite', '--json'],
      {
        cwd: dir,
      },
    );
    expect(backup.stderr).not.toContain('error:');
    expect(backup.code).toBe(0);
    const out = JSON.parse(backup.stdout) as { artifact: string; status: string };
    expect(out.status).toBe('succeeded');

    const list = await lifeboat(['list', '--storage', 'offsite', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { artifacts: { artifact: string }[] };
    expect(listed.artifacts.map((a) => a.artifact)).toEqual([out.artifact]);

    // A new machine: no catalog, no local storage; only lifeboat.yaml and the bucket.
    rmSync(join(dir, 'backups'), { recursive: true, force: true });
    rmSync(join(dir, '.lifeboat'), { recursive: true, force: true });
    const relisted = await lifeboat(['list', '--storage', 'offsite', '--json'], { cwd: dir });
    expect(relisted.code).toBe(0);
    expect(
      (JSON.parse(relisted.stdout) as { artifacts: { artifact: string }[] }).artifacts.map(
        (a) => a.artifact,
      ),
    ).toEqual([out.artifact]);
    const restore = await lifeboat(
      ['restore', out.artifact, '--to', 'sqlite:./restored.db', '--force'],
      { cwd: dir },
    );
    expect(restore.stderr).not.toContain('error:');
    expect(restore.code).toBe(0);
    expect(sqliteDump(join(dir, 'restored.db'))).toBe(sqliteDump(source));
  });

  it('keeps the local artifact and reports partial when the S3 server is down', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    // A port this test holds, where every connection is reset: the port of a stopped server
    // could be taken by another test's S3 server meanwhile, which is then not down at all.
    const down = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const { port } = down.address() as AddressInfo;
    writeConfig(dir, `http://127.0.0.1:${port}`, 'lifeboat-test');
    const backup = await lifeboat(
      ['backup', 'sqlite:./app.db', '--to', 'local,offsite', '--json'],
      {
        cwd: dir,
      },
    ).finally(() => down.close());
    expect(backup.code, backup.stderr).toBe(1);
    const out = JSON.parse(backup.stdout) as {
      artifact: string;
      status: string;
      destinations: { storage: string; ok: boolean }[];
    };
    expect(out.status).toBe('partial');
    expect(out.destinations.find((d) => d.storage === 'offsite')?.ok).toBe(false);
    expect(out.destinations.find((d) => d.storage === 'local')?.ok).toBe(true);
    expect(existsSync(join(dir, 'backups', out.artifact))).toBe(true);
    expect(readdirSync(join(dir, 'backups'))).toContain(`${out.artifact}.manifest.json`);
  });

  it('loads the S3 and SFTP SDKs only when such a storage is used', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    writeConfig(dir, server.endpoint, server.bucket);
    const config = join(dir, 'lifeboat.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        'defaults:',
        '  remote: { type: sftp, host: 127.0.0.1, username: x, password: y, path: b }\ndefaults:',
      ),
    );
    // Records every package module the CLI resolves (the SDKs are imported from ES modules).
    const hook = join(dir, 'hook.mjs');
    writeFileSync(
      join(dir, 'resolve.mjs'),
      'export async function resolve(s, c, next) {\n' +
        '  const r = await next(s, c);\n' +
        '  if (r.url.includes("/node_modules/")) process.stderr.write(`RESOLVED ${r.url}\\n`);\n' +
        '  return r;\n' +
        '}\n',
    );
    writeFileSync(
      hook,
      `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${join(dir, 'resolve.mjs')}`).href)});\n`,
    );
    const run = (args: string[]): string => {
      const res = spawnSync(process.execPath, ['--import', hook, CLI, ...args], {
        cwd: dir,
        env: cleanEnv(),
        encoding: 'utf8',
      });
      expect(res.status, res.stderr).toBe(0);
      return res.stderr;
    };
    const local = run(['backup', 'sqlite:./app.db', '--to', 'local']);
    expect(local).toContain('RESOLVED');
    expect(local).not.toMatch(/node_modules\/(@aws-sdk|ssh2)/);
    const offsite = run(['list', '--storage', 'offsite']);
    expect(offsite).toMatch(/node_modules\/@aws-sdk\/client-s3\//);
    expect(offsite).not.toMatch(/node_modules\/ssh2/);
  });
});
