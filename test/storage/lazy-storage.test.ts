import { describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open-storage.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { LazyStorage } from '../../src/storage/wrappers/lazy-storage.js';
import { bodyOf, keysOf, randomData, readAll, sha256 } from '../support/storage-bodies.js';

const signal = (): AbortSignal => new AbortController().signal;
const info = { name: 'offsite', kind: 'memory', location: 'memory://offsite' };

describe('LazyStorage', () => {
  it('describes itself without loading, loads once on first use, then forwards', async () => {
    let loads = 0;
    const backend = new MemoryStorage({ name: 'offsite' });
    const lazy = new LazyStorage(info, async () => {
      loads += 1;
      return backend;
    });
    expect([lazy.name, lazy.kind, lazy.location]).toEqual([
      'offsite',
      'memory',
      'memory://offsite',
    ]);
    expect(loads).toBe(0);
    const data = randomData(200_000);
    const put = await lazy.put('a/b.sql.gz', bodyOf(data), {
      signal: signal(),
      expect: () => ({ size: data.length, sha256: sha256(data) }),
    });
    expect(put).toMatchObject({ key: 'a/b.sql.gz', size: data.length });
    expect((await lazy.stat('a/b.sql.gz')).size).toBe(data.length);
    expect((await readAll(await lazy.get('a/b.sql.gz'))).equals(data)).toBe(true);
    expect(await keysOf(lazy.list('a/'))).toEqual(['a/b.sql.gz']);
    await lazy.remove('a/b.sql.gz');
    expect(await keysOf(lazy.list(''))).toEqual([]);
    expect(await lazy.cleanupPartials()).toEqual([]);
    expect(loads).toBe(1);
  });

  it('fails a put whose backend cannot load without leaving its body waiting, and retries', async () => {
    let attempt = 0;
    const lazy = new LazyStorage(info, async () => {
      attempt += 1;
      if (attempt === 1) throw new Error('cannot find package');
      return new MemoryStorage({ name: 'offsite' });
    });
    const body = bodyOf(randomData(1000));
    await expect(lazy.put('x', body, { signal: signal() })).rejects.toThrow('cannot find package');
    expect(body.destroyed).toBe(true);
    expect(await keysOf(lazy.list(''))).toEqual([]);
    expect(attempt).toBe(2);
  });
});

describe('openStorage for remote kinds', () => {
  it('names and locates S3 and SFTP storages before their SDK is loaded', () => {
    const s3 = openStorage(
      { name: 'offsite', type: 's3', bucket: 'backups', prefix: 'app', endpoint: 'http://x' },
      '/',
    );
    expect([s3.kind, s3.location]).toEqual(['s3', 's3://backups/app/']);
    const sftp = openStorage(
      { name: 'remote', type: 'sftp', host: 'h', port: 2222, username: 'u', path: '/srv/b/' },
      '/',
    );
    expect([sftp.kind, sftp.location]).toEqual(['sftp', 'sftp://u@h:2222/srv/b']);
  });
});
