import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** SHA-256 hex of a buffer. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Random bytes, as a test object. */
export function randomData(size: number): Buffer {
  return randomBytes(size);
}

/** A body that yields `data` in chunks, like a pipeline output would. */
export function bodyOf(data: Buffer, chunkSize = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += chunkSize)
        yield data.subarray(offset, offset + chunkSize);
    })(),
    { objectMode: false },
  );
}

/** A body that yields `bytes` bytes and then fails, like a dump that died half way. */
export function failingBody(bytes: number, message = 'the dump died'): Readable {
  return Readable.from(
    (async function* () {
      yield randomBytes(bytes);
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error(message);
    })(),
    { objectMode: false },
  );
}

/** A body that yields `bytes` bytes and then never ends (until destroyed). */
export function stalledBody(bytes: number): Readable {
  const body = new Readable({ read: () => undefined });
  body.push(randomBytes(bytes));
  return body;
}

/** Reads a stream to one Buffer. */
export async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Every key of an async listing, sorted. */
export async function keysOf(listing: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of listing) keys.push(info.key);
  return keys.sort();
}
