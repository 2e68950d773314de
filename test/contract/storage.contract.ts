import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLifeboatError, type ErrorCode } from '../../src/errors/index.js';
import { isNotExist, type Storage } from '../../src/storage/storage.js';
import {
  bodyOf,
  failingBody,
  keysOf,
  randomData,
  readAll,
  sha256,
  stalledBody,
} from '../support/storage-bodies.js';

/** What a backend's test gives the contract suite. */
export interface StorageUnderTest {
  readonly storage: Storage;
  /**
   * Everything the backend physically holds, hidden files included (temp files of puts), so
   * "leaves nothing behind" is checked beyond what `list` shows.
   */
  residue(): Promise<string[]>;
  cleanup?(): Promise<void>;
}

const signal = (): AbortSignal => new AbortController().signal;

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLifeboatError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  return err as Error;
}

/**
 * The behaviour every storage backend must show (restic's backend test suite): atomic puts,
 * failed puts leave nothing behind, `expect` is checked, listing and missing keys behave.
 */
export function runStorageContract(name: string, factory: () => Promise<StorageUnderTest>): void {
  describe(`storage contract: ${name}`, () => {
    let sut: StorageUnderTest;
    let storage: Storage;
    beforeEach(async () => {
      sut = await factory();
      storage = sut.storage;
    });
    afterEach(async () => {
      await sut.cleanup?.();
    });

    const expectNothingOf = async (key: string): Promise<void> => {
      expect(await keysOf(storage.list(''))).not.toContain(key);
      await expect(storage.stat(key)).rejects.toSatisfy(isNotExist);
      expect(await sut.residue()).toEqual([]);
    };

    it('round-trips put, stat, get, list and remove', async () => {
      const data = randomData(1000);
      const put = await storage.put('app/a.sql.gz', bodyOf(data), { signal: signal() });
      expect(put).toEqual({ key: 'app/a.sql.gz', size: 1000, sha256: sha256(data) });
      const info = await storage.stat('app/a.sql.gz');
      expect(info.key).toBe('app/a.sql.gz');
      expect(info.size).toBe(1000);
      expect(info.modifiedAt).toBeInstanceOf(Date);
      expect(await readAll(await storage.get('app/a.sql.gz'))).toEqual(data);
      expect(await keysOf(storage.list(''))).toEqual(['app/a.sql.gz']);
      await storage.remove('app/a.sql.gz');
      await expectNothingOf('app/a.sql.gz');
      await expect(storage.get('app/a.sql.gz')).rejects.toSatisfy(isNotExist);
    });

    it('stores objects of several MiB and empty ones', async () => {
      const big = randomData(6 * 1024 * 1024 + 123);
      const put = await storage.put('big.bin', bodyOf(big), {
        signal: signal(),
        expect: () => ({ size: big.length, sha256: sha256(big) }),
      });
      expect(put.sha256).toBe(sha256(big));
      const back = await readAll(await storage.get('big.bin'));
      expect(back.length).toBe(big.length);
      expect(sha256(back)).toBe(sha256(big));
      await storage.put('empty', bodyOf(Buffer.alloc(0)), { signal: signal() });
      expect((await storage.stat('empty')).size).toBe(0);
      expect(await readAll(await storage.get('empty'))).toEqual(Buffer.alloc(0));
    });

    it('replaces an existing object whole', async () => {
      await storage.put('k', bodyOf(Buffer.from('old contents')), { signal: signal() });
      await storage.put('k', bodyOf(Buffer.from('new')), { signal: signal() });
      expect((await readAll(await storage.get('k'))).toString()).toBe('new');
    });

    it('leaves nothing behind when the body fails half way', async () => {
      const err = await storage
        .put('x/failed.sql', failingBody(300_000, 'the dump died'), { signal: signal() })
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(err?.message).toContain('the dump died');
      await expectNothingOf('x/failed.sql');
    });

    it('fails with CHECKSUM_MISMATCH and leaves nothing when expect disagrees', async () => {
      const data = randomData(200_000);
      await expectCode(
        storage.put('bad.sql', bodyOf(data), {
          signal: signal(),
          expect: () => ({ size: data.length, sha256: '0'.repeat(64) }),
        }),
        'CHECKSUM_MISMATCH',
      );
      await expectNothingOf('bad.sql');
      await expectCode(
        storage.put('bad.sql', bodyOf(data), {
          signal: signal(),
          expect: () => ({ size: data.length + 1, sha256: sha256(data) }),
        }),
        'CHECKSUM_MISMATCH',
      );
      await expectNothingOf('bad.sql');
    });

    it('keeps the old object when a replacing put fails', async () => {
      await storage.put('keep', bodyOf(Buffer.from('good')), { signal: signal() });
      await expect(storage.put('keep', failingBody(1000), { signal: signal() })).rejects.toThrow();
      expect((await readAll(await storage.get('keep'))).toString()).toBe('good');
    });

    it('leaves nothing when the put is aborted mid-stream or before it starts', async () => {
      const controller = new AbortController();
      const body = stalledBody(100_000);
      const put = storage.put('aborted.sql', body, { signal: controller.signal });
      // Abort while the put waits for more of the body (the producer stalled).
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await keysOf(storage.list(''))).toEqual([]);
      controller.abort();
      await expectCode(put, 'ABORTED');
      expect(body.destroyed).toBe(true);
      await expectNothingOf('aborted.sql');
      await expectCode(
        storage.put('early.sql', bodyOf(Buffer.from('x')), { signal: AbortSignal.abort() }),
        'ABORTED',
      );
      await expectNothingOf('early.sql');
    });

    it('lists many objects by prefix', async () => {
      const keys: string[] = [];
      for (let i = 0; i < 1200; i += 1) {
        const dir = i % 3 === 0 ? 'alpha' : i % 3 === 1 ? 'beta/deep' : 'gamma';
        keys.push(`${dir}/obj-${String(i).padStart(4, '0')}`);
      }
      // A few at a time: as fast as the backend allows, without opening 1200 files at once.
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys
            .slice(i, i + 50)
            .map((key) => storage.put(key, bodyOf(Buffer.from(key)), { signal: signal() })),
        );
      }
      expect(await keysOf(storage.list(''))).toEqual([...keys].sort());
      expect((await keysOf(storage.list('alpha/'))).length).toBe(400);
      expect((await keysOf(storage.list('beta/'))).length).toBe(400);
      expect(await keysOf(storage.list('beta/deep/obj-000'))).toEqual([
        'beta/deep/obj-0001',
        'beta/deep/obj-0004',
        'beta/deep/obj-0007',
      ]);
      expect(await keysOf(storage.list('gam'))).toHaveLength(400);
      expect(await keysOf(storage.list('delta/'))).toEqual([]);
      for await (const info of storage.list('alpha/obj-0003'))
        expect(info.size).toBe('alpha/obj-0003'.length);
    });

    it('reports missing objects as not existing and removes them quietly', async () => {
      await expect(storage.get('nope.sql')).rejects.toSatisfy(isNotExist);
      await expect(storage.stat('no/such/dir.sql')).rejects.toSatisfy(isNotExist);
      await expect(storage.remove('nope.sql')).resolves.toBeUndefined();
      await expect(storage.remove('no/such/dir.sql')).resolves.toBeUndefined();
      expect(await keysOf(storage.list('nope'))).toEqual([]);
    });

    it('handles keys with subdirectories, and a directory is not an object', async () => {
      await storage.put('a/b/c/d.sql', bodyOf(Buffer.from('deep')), { signal: signal() });
      await storage.put('a/top.sql', bodyOf(Buffer.from('top')), { signal: signal() });
      expect(await keysOf(storage.list('a/'))).toEqual(['a/b/c/d.sql', 'a/top.sql']);
      expect((await readAll(await storage.get('a/b/c/d.sql'))).toString()).toBe('deep');
      await expect(storage.stat('a/b')).rejects.toSatisfy(isNotExist);
      await expect(storage.get('a/b')).rejects.toSatisfy(isNotExist);
    });

    it('rejects keys that escape or hide', async () => {
      for (const key of [
        '',
        '../x',
        'a/../../x',
        '/etc/passwd',
        'a//b',
        '.hidden',
        'a/.partial',
        'a\\b',
      ]) {
        await expectCode(storage.put(key, bodyOf(Buffer.from('x')), { signal: signal() }), 'USAGE');
        await expectCode(storage.get(key), 'USAGE');
      }
      expect(await sut.residue()).toEqual([]);
    });

    it('does not show an object until its put resolves', async () => {
      const body = stalledBody(10_000);
      const put = storage.put('slow.sql', body, { signal: signal() });
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await keysOf(storage.list(''))).toEqual([]);
      await expect(storage.stat('slow.sql')).rejects.toSatisfy(isNotExist);
      body.push(null);
      await put;
      expect((await storage.stat('slow.sql')).size).toBe(10_000);
    });
  });
}
