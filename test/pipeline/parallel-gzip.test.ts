import { execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  GZIP_MEM_LEVEL,
  ParallelGzip,
  type CompressBlock,
} from '../../src/pipeline/parallel-gzip.js';
import { readAll } from '../support/storage-bodies.js';
import { feed, sqlText, tempFile } from './pipeline-helpers.js';

const gzipAsync = promisify(gzip);

async function gzipAll(
  text: string,
  options: ConstructorParameters<typeof ParallelGzip>[0],
): Promise<{ gz: Buffer; stage: ParallelGzip }> {
  const stage = new ParallelGzip(options);
  const [gz] = await Promise.all([readAll(stage), feed(stage, text)]);
  return { gz, stage };
}

/** A compress function that counts how many blocks are compressing at once. */
function countingCompress(): { compress: CompressBlock; max: () => number } {
  let now = 0;
  let max = 0;
  return {
    compress: async (block, level) => {
      now += 1;
      max = Math.max(max, now);
      try {
        return await gzipAsync(block, { level });
      } finally {
        now -= 1;
      }
    },
    max: () => max,
  };
}

describe('ParallelGzip', () => {
  it('writes many members that gunzip -t accepts and both gunzips read whole', async () => {
    const text = sqlText(3 * 1024 * 1024);
    const { gz, stage } = await gzipAll(text, { blockSize: 64 * 1024 });
    const members = Math.ceil(text.length / (64 * 1024));
    expect(stage.result()).toEqual({
      stage: 'gzip',
      of: 'artifact',
      level: 6,
      blockSize: 65536,
      members,
    });
    const path = tempFile('dump.sql.gz', gz);
    execFileSync('gunzip', ['-t', path]);
    expect(execFileSync('gunzip', ['-c', path], { maxBuffer: 64 << 20 }).toString()).toBe(text);
    expect(gunzipSync(gz).toString()).toBe(text);
  });

  it('writes a valid empty .gz for empty input', async () => {
    const { gz, stage } = await gzipAll('', {});
    expect(gunzipSync(gz).length).toBe(0);
    execFileSync('gunzip', ['-t', tempFile('empty.sql.gz', gz)]);
    expect(stage.result()['members']).toBe(1);
  });

  it('honours the level', async () => {
    const text = sqlText(512 * 1024);
    const fast = (await gzipAll(text, { level: 1 })).gz;
    const best = (await gzipAll(text, { level: 9 })).gz;
    // XFL (byte 8) says what the compressor did: 4 = fastest, 2 = maximum compression.
    expect(fast[8]).toBe(4);
    expect(best[8]).toBe(2);
    expect(best.length).toBeLessThan(fast.length);
    expect(best.length).toBe(
      gzipSync(Buffer.from(text), { level: 9, memLevel: GZIP_MEM_LEVEL }).length,
    );
    expect(() => new ParallelGzip({ level: 10 })).toThrow(
      expect.objectContaining({ code: 'USAGE' }),
    );
  });

  it('compresses several blocks at once', async () => {
    const counter = countingCompress();
    const text = sqlText(8 * 1024 * 1024);
    const stage = new ParallelGzip({
      blockSize: 256 * 1024,
      maxInFlight: 4,
      compress: counter.compress,
    });
    // One big write: its blocks are dispatched before any compression can report back (those
    // callbacks come from the thread pool on a later turn), so this does not depend on timing.
    const [gz] = await Promise.all([
      readAll(stage),
      new Promise((resolve) => stage.end(Buffer.from(text), () => resolve(undefined))),
    ]);
    expect(counter.max()).toBe(4);
    expect(gunzipSync(gz).toString()).toBe(text);
  });

  it('keeps at most maxInFlight blocks and stops taking input while they compress', async () => {
    const pending: (() => void)[] = [];
    let started = 0;
    let finished = 0;
    let maxInFlight = 0;
    const held: CompressBlock = (block, level) => {
      started += 1;
      maxInFlight = Math.max(maxInFlight, started - finished);
      return new Promise((resolve) =>
        pending.push(() => {
          finished += 1;
          resolve(gzipSync(block, { level }));
        }),
      );
    };
    const stage = new ParallelGzip({ blockSize: 1024, maxInFlight: 3, compress: held });
    const output = readAll(stage);
    let accepted = 0;
    const blocks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1024, i));
    const writes = blocks.map(
      (block) =>
        new Promise<void>((resolve) => stage.write(block, () => resolve(void (accepted += 1)))),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Three blocks compress; the write of the fourth waits for a slot, so input stops there.
    expect(started).toBe(3);
    expect(accepted).toBeLessThanOrEqual(3);
    while (accepted < blocks.length || pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    stage.end();
    expect(gunzipSync(await output)).toEqual(Buffer.concat(blocks));
    expect(started).toBe(50);
    expect(maxInFlight).toBe(3);
  });

  it('emits members in input order even when later blocks finish first', async () => {
    let calls = 0;
    const reordering: CompressBlock = async (block, level) => {
      const delay = [30, 1, 15, 0][calls++ % 4] as number;
      await new Promise((resolve) => setTimeout(resolve, delay));
      return gzipSync(block, { level });
    };
    const text = sqlText(100_000);
    const { gz } = await gzipAll(text, { blockSize: 5000, maxInFlight: 4, compress: reordering });
    expect(gunzipSync(gz).toString()).toBe(text);
  });

  it('fails the stream when a block fails to compress', async () => {
    const failing: CompressBlock = async () => {
      throw new Error('thread pool exploded');
    };
    const stage = new ParallelGzip({ blockSize: 100, compress: failing });
    await expect(Promise.all([readAll(stage), feed(stage, sqlText(10_000))])).rejects.toThrow(
      'thread pool exploded',
    );
  });
});
