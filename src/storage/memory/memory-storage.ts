import { Readable } from 'node:stream';
import { LifeboatError, messageOf, throwIfAborted } from '../../errors/index.js';
import { abortedError, whenAborted } from '../abort.js';
import { keySegments } from '../key.js';
import { notExist } from '../not-exist.js';
import { checkExpected, receiveBody, stopBody } from '../receive.js';
import type { ObjectInfo, PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';

/** Chunk size of `get` streams, so readers see several chunks as they would from a disk. */
const READ_CHUNK = 64 * 1024;

interface StoredObject {
  readonly data: Buffer;
  readonly modifiedAt: Date;
}

/**
 * Objects in a Map, with the same semantics as the real backends (atomic puts, expectation
 * checks, key rules). For tests and the contract suite; `kind` is `memory`.
 */
export class MemoryStorage implements Storage {
  readonly name: string;
  readonly kind = 'memory';
  readonly location: string;
  readonly #objects = new Map<string, StoredObject>();

  constructor(options: { readonly name: string }) {
    this.name = options.name;
    this.location = `memory://${options.name}`;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    keySegments(key);
    const chunks: Buffer[] = [];
    try {
      const received = await receiveBody(body, {
        storage: this.name,
        key,
        signal: options.signal,
        sink: (chunk) => {
          chunks.push(chunk);
        },
        // Pushing to an array cannot fail; anything else is a bug.
        sinkError: (err) =>
          new LifeboatError('INTERNAL', `memory put failed: ${messageOf(err)}`, { cause: err }),
      });
      checkExpected(this.name, key, received, options.expect);
      throwIfAborted(options.signal);
      // Only now, in one step, does the object become visible.
      this.#objects.set(key, { data: Buffer.concat(chunks), modifiedAt: new Date() });
      return { key, ...received };
    } catch (err) {
      stopBody(body, err);
      throw err;
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<Readable> {
    const object = this.#find(key, options);
    const { data } = object;
    const stream = Readable.from(chunksOf(data), { objectMode: false });
    const { signal } = options;
    const detach = whenAborted(signal, () => stream.destroy(abortedError(signal as AbortSignal)));
    stream.once('close', detach);
    return stream;
  }

  async stat(key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    const object = this.#find(key, options);
    return { key, size: object.data.length, modifiedAt: object.modifiedAt };
  }

  async *list(prefix: string, options: ReadOptions = {}): AsyncIterable<ObjectInfo> {
    // Snapshot the keys so removes during iteration behave like a directory walk.
    for (const [key, object] of [...this.#objects]) {
      throwIfAborted(options.signal);
      if (key.startsWith(prefix))
        yield { key, size: object.data.length, modifiedAt: object.modifiedAt };
    }
  }

  async remove(key: string): Promise<void> {
    keySegments(key);
    this.#objects.delete(key);
  }

  #find(key: string, options: ReadOptions): StoredObject {
    keySegments(key);
    throwIfAborted(options.signal);
    const object = this.#objects.get(key);
    if (object === undefined) throw notExist(this.name, key);
    return object;
  }
}

function* chunksOf(data: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += READ_CHUNK) {
    yield data.subarray(offset, offset + READ_CHUNK);
  }
}
