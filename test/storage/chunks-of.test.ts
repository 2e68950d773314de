import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chunksOf } from '../../src/storage/chunks-of.js';

const chunk = (n: number, size = 1000): Buffer => Buffer.alloc(size, n);

describe('chunksOf', () => {
  it('hands out the chunks as written, never joined, even when many are buffered', async () => {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const written = [chunk(1), chunk(2, 10), chunk(3, 70_000), chunk(4, 1)];
    for (const c of written) stream.write(c);
    stream.end();
    const seen: Buffer[] = [];
    for await (const c of chunksOf(stream)) seen.push(c);
    // `for await (… of stream)` would give one Buffer of all four here.
    expect(seen.map((c) => c.length)).toEqual([1000, 10, 70_000, 1]);
    expect(Buffer.concat(seen).equals(Buffer.concat(written))).toBe(true);
  });

  it('holds the stream back while the consumer works on a chunk', async () => {
    const stream = new PassThrough({ highWaterMark: 4000 });
    const chunks = chunksOf(stream);
    stream.write(chunk(1));
    expect((await chunks.next()).value?.[0]).toBe(1);
    // The consumer has not asked for more: writes pile up until the writer must wait. (Bounded,
    // so a reader that kept flowing fails the assertion below instead of looping forever.)
    let accepted = 0;
    while (accepted < 100 && stream.write(chunk(2))) accepted += 1;
    await tick();
    expect(accepted).toBeLessThan(10);
    expect(stream.writableNeedDrain).toBe(true);
    stream.end();
    let rest = 0;
    for await (const c of chunks) rest += c.length;
    expect(rest).toBe((accepted + 1) * 1000);
  });

  it("throws the stream's error", async () => {
    const stream = new PassThrough();
    stream.write(chunk(1));
    const seen: number[] = [];
    const reading = (async () => {
      for await (const c of chunksOf(stream)) {
        seen.push(c.length);
        stream.destroy(new Error('disk on fire'));
      }
    })();
    await expect(reading).rejects.toThrow('disk on fire');
    expect(seen).toEqual([1000]);
  });

  it('throws a premature close when the stream is destroyed before its end', async () => {
    const stream = new PassThrough();
    const reading = (async () => {
      for await (const _c of chunksOf(stream)) stream.destroy();
    })();
    stream.write(chunk(1));
    await expect(reading).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('leaves the stream undestroyed and paused when the consumer stops early', async () => {
    const stream = new PassThrough();
    stream.write(chunk(1));
    stream.write(chunk(2));
    for await (const _c of chunksOf(stream)) break;
    expect(stream.destroyed).toBe(false);
    expect(stream.isPaused()).toBe(true);
    expect(stream.listenerCount('data')).toBe(0);
  });
});
