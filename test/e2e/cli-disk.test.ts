import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';

// A real full disk: a 256 KiB tmpfs (the tests run as root; a failing mount fails the test).
describe('backup to a full disk', () => {
  let dir: string;
  let mountPoint: string;
  beforeAll(() => {
    dir = tempDir();
    mountPoint = join(dir, 'tiny');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
    makeAppDb(dir, 'app.db', 20_000);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      'connections:\n  app: { url: "sqlite:./app.db" }\nstorage:\n  local: { type: local, path: ./tiny/backups }\n',
    );
  });
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
  });

  it('fails with DISK_FULL, exit 6, and leaves nothing behind', async () => {
    const res = await lifeboat(['backup', 'app', '--compress', 'none'], { cwd: dir });
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/^error: no space left on device while .*tiny\/backups/m);
    expect(res.stderr).toMatch(/^hint: /m);
    expect(readdirSync(join(mountPoint, 'backups'))).toEqual([]);
    const list = await lifeboat(['list', '--json'], { cwd: dir });
    expect(JSON.parse(list.stdout).artifacts).toEqual([]);
    const history = await lifeboat(['history', '--json'], { cwd: dir });
    const [last] = JSON.parse(history.stdout).operations;
    expect(last).toMatchObject({
      operation: 'backup',
      status: 'failed',
      error: { code: 'DISK_FULL' },
    });
  });
});

describe('interrupting a backup', () => {
  it('SIGTERM stops cleanly with exit 130 and keeps nothing', async () => {
    const dir = tempDir();
    makeAppDb(dir, 'app.db', 400_000);
    const { startLifeboat, collect } = await import('../support/cli.js');
    const child = startLifeboat(['backup', 'sqlite:./app.db'], { cwd: dir });
    const done = collect(child);
    // Wait until the dump is under way, then ask it to stop.
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('backing up')) resolve();
      });
    });
    child.kill('SIGTERM');
    const res = await done;
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('error: operation interrupted');
    expect(readdirSync(join(dir, 'backups'))).toEqual([]);
  });
});
