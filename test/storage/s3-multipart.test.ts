import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partSizeFor } from '../../src/storage/s3/s3-multipart.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { readAll } from '../support/storage-bodies.js';
import { bucketResidue, s3Options } from '../support/storage-s3.js';

const MiB = 1024 * 1024;
const signal = (): AbortSignal => new AbortController().signal;

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server.stop();
});

/** `size` bytes that differ from part to part, in chunks of odd sizes. */
function body(size: number): { stream: Readable; sha256: string } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) data.writeUInt32LE(i, i);
  const chunks: Buffer[] = [];
  for (let at = 0; at < size; at += 777_777) chunks.push(data.subarray(at, at + 777_777));
  return { stream: Readable.from(chunks), sha256: createHash('sha256').update(data).digest('hex') };
}

describe('S3 multipart uploads', () => {
  it('doubles the part size every partsPerSize parts, within S3 limits', () => {
    expect([1, 1000, 1001, 2000, 2001, 5001].map((n) => partSizeFor(n, 16 * MiB))).toEqual([
      16 * MiB,
      16 * MiB,
      32 * MiB,
      32 * MiB,
      64 * MiB,
      512 * MiB,
    ]);
    // Never above S3's 5 GiB per part.
    expect(partSizeFor(9999, 16 * MiB)).toBe(5 * 1024 ** 3);
    // 16 MiB first parts reach far beyond the 156 GiB of fixed ones within 10,000 parts.
    let total = 0;
    for (let n = 1; n <= 10_000; n++) total += partSizeFor(n, 16 * MiB);
    expect(total).toBeGreaterThan(1024 ** 4);
  });

  it('stores a body in parts of growing size; the object reads back whole', async () => {
    const options = s3Options(server, { partSize: 5 * MiB, partsPerSize: 2, queueSize: 2 });
    const storage = new S3Storage(options);
    try {
      // 5 + 5 + 10 + 10 MiB, then the last 3 MiB: five parts (fixed 5 MiB parts would be seven).
      const { stream, sha256 } = body(33 * MiB);
      const put = await storage.put('grow.bin', stream, { signal: signal() });
      expect(put).toMatchObject({ size: 33 * MiB, sha256 });
      const parts = (await server.requests()).filter(
        (r) => r.includes('grow.bin') && r.includes('partNumber'),
      );
      expect(parts.length).toBe(5);
      const back = await readAll(await storage.get('grow.bin', { signal: signal() }));
      expect(createHash('sha256').update(back).digest('hex')).toBe(sha256);
    } finally {
      storage.close();
    }
  });

  it('sends a body shorter than a part as one PutObject, no multipart upload left', async () => {
    const storage = new S3Storage(s3Options(server));
    try {
      const before = (await bucketResidue(server)).filter((k) => k.startsWith('(multipart'));
      const { stream, sha256 } = body(100_000);
      expect(await storage.put('small.bin', stream, { signal: signal() })).toMatchObject({
        size: 100_000,
        sha256,
      });
      const after = (await bucketResidue(server)).filter((k) => k.startsWith('(multipart'));
      expect(after).toEqual(before);
      const empty = await storage.put('empty.bin', Readable.from([]), { signal: signal() });
      expect(empty.size).toBe(0);
      expect((await storage.stat('empty.bin', { signal: signal() })).size).toBe(0);
    } finally {
      storage.close();
    }
  });
});
