import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { buildBackupPipeline } from '../../src/pipeline/backup-pipeline.js';
import { LocalStorage } from '../../src/storage/local/local-storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { bodyOf, keysOf, randomData, sha256 } from '../support/storage-bodies.js';
import {
  filesUnder,
  localStorageUnderTest,
  type LocalUnderTest,
} from '../support/storage-local.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('LocalStorage on a full disk', () => {
  let mountPoint: string;
  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'lifeboat-tiny-'));
    // A real ENOSPC needs a real small file system; the suite runs as root, so mount one.
    // If this fails, the test fails: a skipped disk-full test would hide the behaviour.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint]);
  });
  afterAll(async () => {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('fails a too-big put with DISK_FULL, keeps no partial file and keeps what was there', async () => {
    const storage = new LocalStorage({ name: 'tiny', path: join(mountPoint, 'backups') });
    const small = randomData(10_000);
    await storage.put('app/small.sql', bodyOf(small), { signal: signal() });
    const err = await storage
      .put('app/big.sql', bodyOf(randomData(2 * 1024 * 1024)), { signal: signal() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(err, 'DISK_FULL'), String(err)).toBe(true);
    expect((err as Error).message).toBe(
      `no space left on device while writing "${join(mountPoint, 'backups', 'app', 'big.sql')}"`,
    );
    expect(await filesUnder(join(mountPoint, 'backups'))).toEqual(['app/small.sql']);
    expect(sha256(await readFile(join(mountPoint, 'backups', 'app', 'small.sql')))).toBe(
      sha256(small),
    );
  });
});

describe('LocalStorage files', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const fresh = async (): Promise<LocalUnderTest> => {
    const sut = await localStorageUnderTest();
    cleanups.push(() => sut.cleanup());
    return sut;
  };

  it('writes plain files under the root, creating it on the first put', async () => {
    const { root, storage } = await fresh();
    expect(storage.location).toBe(root);
    await storage.put('app/x.sql.gz', bodyOf(Buffer.from('hi')), { signal: signal() });
    expect(await readFile(join(root, 'app', 'x.sql.gz'), 'utf8')).toBe('hi');
  });

  it('does not list hidden files and cleans up partials of dead processes', async () => {
    const { root, storage } = await fresh();
    await storage.put('app/a.sql', bodyOf(Buffer.from('a')), { signal: signal() });
    const dead = join(root, 'app', '.b.sql.999999999.abcdef.partial');
    const mine = join(root, 'app', `.c.sql.${process.pid}.abcdef.partial`);
    const oldMine = join(root, 'app', `.d.sql.${process.pid}.0123ab.partial`);
    const unrelated = join(root, 'app', '.keep-me');
    for (const path of [dead, mine, oldMine, unrelated]) await writeFile(path, 'x');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(oldMine, twoDaysAgo, twoDaysAgo);
    expect(await keysOf(storage.list(''))).toEqual(['app/a.sql']);
    const removed = await storage.cleanupPartials();
    expect(removed.sort()).toEqual([
      'app/.b.sql.999999999.abcdef.partial',
      `app/.d.sql.${process.pid}.0123ab.partial`,
    ]);
    expect(await filesUnder(root)).toEqual([
      'app/.c.sql.' + process.pid + '.abcdef.partial',
      'app/.keep-me',
      'app/a.sql',
    ]);
  });

  it('cleans up nothing in a storage that does not exist yet', async () => {
    const { storage } = await fresh();
    expect(await storage.cleanupPartials()).toEqual([]);
    expect(await keysOf(storage.list(''))).toEqual([]);
  });

  it('fails with IO_ERROR naming the path when the root cannot be created', async () => {
    const { root } = await fresh();
    await mkdir(join(root, '..'), { recursive: true });
    await writeFile(join(root, '..', 'file'), 'x');
    const storage = new LocalStorage({ name: 'bad', path: join(root, '..', 'file', 'sub') });
    const err = await storage
      .put('k', bodyOf(Buffer.from('x')), { signal: signal() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(err), String(err)).toBe(true);
    expect((err as Error).message).toContain(join(root, '..', 'file', 'sub', 'k'));
  });
});

describe('openStorage', () => {
  it('builds a local storage with its path resolved against the base directory', () => {
    const storage = openStorage({ name: 'local', type: 'local', path: './backups' }, '/srv/app');
    expect(storage).toBeInstanceOf(LocalStorage);
    expect(storage.name).toBe('local');
    expect(storage.kind).toBe('local');
    expect(storage.location).toBe('/srv/app/backups');
    expect(openStorage({ name: 'abs', type: 'local', path: '/var/b' }, '/srv/app').location).toBe(
      '/var/b',
    );
  });

  it('rejects an unknown type with CONFIG_INVALID', () => {
    const config = { name: 'odd', type: 'ftp', path: 'x' } as unknown as Parameters<
      typeof openStorage
    >[0];
    expect(() => openStorage(config, '/')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: 'storage "odd" has unknown type "ftp"',
      }),
    );
  });
});

describe('a backup pipeline into a full disk', () => {
  let mountPoint: string;
  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'lifeboat-tiny-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mountPoint]);
  });
  afterAll(async () => {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  });

  it('stops the producer with DISK_FULL and leaves nothing', async () => {
    const storage = new LocalStorage({ name: 'tiny', path: mountPoint });
    const p = buildBackupPipeline({ compression: 'none', signal: signal() });
    const producer = pipeline(bodyOf(randomData(4 * 1024 * 1024)), p.input);
    const [put, produced] = await Promise.allSettled([
      storage.put('a.sql', p.output, { signal: signal(), expect: () => p.artifactHash() }),
      producer,
    ]);
    expect(isLifeboatError((put as PromiseRejectedResult).reason, 'DISK_FULL')).toBe(true);
    expect(isLifeboatError((produced as PromiseRejectedResult).reason, 'DISK_FULL')).toBe(true);
    expect(await filesUnder(mountPoint)).toEqual([]);
  });
});
