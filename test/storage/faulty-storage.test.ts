import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { FaultyStorage } from '../../src/storage/wrappers/faulty-storage.js';
import { bodyOf, keysOf, randomData, readAll, sha256 } from '../support/storage-bodies.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('FaultyStorage', () => {
  it('fails exactly the Nth put and get', async () => {
    const storage = new FaultyStorage(new MemoryStorage({ name: 'm' }), { failPut: 2, failGet: 1 });
    await storage.put('a', bodyOf(Buffer.from('a')), { signal: signal() });
    await expect(storage.put('b', bodyOf(Buffer.from('b')), { signal: signal() })).rejects.toThrow(
      'injected fault: put "b" (call 2) failed',
    );
    await storage.put('c', bodyOf(Buffer.from('c')), { signal: signal() });
    expect(await keysOf(storage.list(''))).toEqual(['a', 'c']);
    await expect(storage.get('a')).rejects.toThrow('injected fault');
    expect((await readAll(await storage.get('a'))).toString()).toBe('a');
  });

  it('cuts a put with an error: nothing is stored', async () => {
    const inner = new MemoryStorage({ name: 'm' });
    const storage = new FaultyStorage(inner, { cutPut: { afterBytes: 1000, how: 'error' } });
    const err = await storage
      .put('k', bodyOf(randomData(5000), 100), { signal: signal() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(err, 'IO_ERROR')).toBe(true);
    expect(await keysOf(inner.list(''))).toEqual([]);
  });

  it('cuts a put silently: only the expect check notices', async () => {
    const inner = new MemoryStorage({ name: 'm' });
    const storage = new FaultyStorage(inner, { cutPut: { afterBytes: 1000, how: 'end' } });
    const data = randomData(5000);
    const short = await storage.put('k', bodyOf(data, 300), { signal: signal() });
    expect(short.size).toBe(1000);
    const expect_ = (): { size: number; sha256: string } => ({
      size: data.length,
      sha256: sha256(data),
    });
    const err = await storage
      .put('k2', bodyOf(data, 300), { signal: signal(), expect: expect_ })
      .catch((e: unknown) => e);
    expect(isLifeboatError(err, 'CHECKSUM_MISMATCH')).toBe(true);
    expect(await keysOf(inner.list(''))).toEqual(['k']);
  });

  it('flips a bit and truncates on read', async () => {
    const inner = new MemoryStorage({ name: 'm' });
    const data = randomData(200_000);
    await inner.put('k', bodyOf(data), { signal: signal() });
    const flipped = await readAll(
      await new FaultyStorage(inner, { flipBit: { offset: 100_000, bit: 3 } }).get('k'),
    );
    expect(flipped.length).toBe(data.length);
    const diff = [...flipped.keys()].filter((i) => flipped[i] !== data[i]);
    expect(diff).toEqual([100_000]);
    expect((flipped[100_000] as number) ^ (data[100_000] as number)).toBe(8);
    const cut = await readAll(await new FaultyStorage(inner, { truncateReadAt: 70_000 }).get('k'));
    expect(cut).toEqual(data.subarray(0, 70_000));
  });
});
