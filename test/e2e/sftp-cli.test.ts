import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { startSshServer, type TestSshServer } from '../support/sshd-server.js';
import { sqliteDump } from '../support/sqlite-cli.js';

/** lifeboat.yaml whose only storage is a directory on the test sshd, host key pinned. */
function writeConfig(dir: string, server: TestSshServer, root: string, fingerprint: string): void {
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      'connections:',
      '  app: { url: "sqlite:./app.db" }',
      'storage:',
      '  remote:',
      '    type: sftp',
      `    host: ${server.host}`,
      `    port: ${server.port}`,
      `    username: ${server.username}`,
      `    private_key_path: ${server.privateKeyPath}`,
      `    host_fingerprint: "${fingerprint}"`,
      `    path: ${root}`,
      'defaults: { storage: [remote] }',
      '',
    ].join('\n'),
  );
}

describe('SFTP storage through the CLI (real sshd)', () => {
  let server: TestSshServer;
  beforeAll(async () => {
    server = await startSshServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('backs up, lists, verifies deep and restores with a pinned host key', async () => {
    const dir = tempDir();
    const source = makeAppDb(dir);
    const root = join(await mkdtemp(join(server.dataDir, 'cli-')), 'backups');
    writeConfig(dir, server, root, server.fingerprint);

    const backup = await lifeboat(['backup', 'app', '--json'], { cwd: dir });
    expect(backup.stderr).not.toContain('error:');
    expect(backup.code).toBe(0);
    const { artifact } = JSON.parse(backup.stdout) as { artifact: string };
    // The files are on the server's disk, under the configured path, with no temporaries left.
    expect(readdirSync(root).sort()).toEqual([artifact, `${artifact}.manifest.json`]);

    const list = await lifeboat(['list', '--storage', 'remote', '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.stdout) as { artifacts: { artifact: string }[] }).artifacts;
    expect(listed.map((a) => a.artifact)).toEqual([artifact]);

    const verify = await lifeboat(['verify', artifact, '--deep', '--json'], { cwd: dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, deep: true, storage: 'remote' });

    const restore = await lifeboat(
      ['restore', artifact, '--to', 'sqlite:./restored.db', '--force'],
      { cwd: dir },
    );
    expect(restore.stderr).not.toContain('error:');
    expect(restore.code).toBe(0);
    expect(sqliteDump(join(dir, 'restored.db'))).toBe(sqliteDump(source));
  }, 60_000);

  it('refuses a server whose host key does not match the pinned one', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    const root = join(await mkdtemp(join(server.dataDir, 'cli-')), 'backups');
    const wrong = `SHA256:${'A'.repeat(43)}`;
    writeConfig(dir, server, root, wrong);

    const backup = await lifeboat(['backup', 'app'], { cwd: dir });
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toMatch(/^error: .*host key/m);
    expect(backup.stderr).toContain(server.fingerprint);
    expect(backup.stderr).toContain('hint:');
    // Nothing was written: the connection was refused before any file was opened.
    expect(existsSync(root)).toBe(false);

    const list = await lifeboat(['list', '--storage', 'remote'], { cwd: dir });
    expect(list.code).not.toBe(0);
    expect(list.stderr).toMatch(/^error: .*host key/m);
  }, 60_000);
});
