import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { LifeboatError } from '../../errors/index.js';
import type { PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';
import { stopBody } from '../receive.js';
import { ForwardingStorage } from './forwarding-storage.js';

/** Faults a {@link FaultyStorage} injects; counts are 1-based over the wrapper's lifetime. */
export interface Faults {
  /** Fail the Nth put before it reaches the backend. */
  readonly failPut?: number;
  /** Fail the Nth get. */
  readonly failGet?: number;
  /**
   * Cut every put's body after `afterBytes`: `error` fails the body like a dropped connection,
   * `end` ends it early like a silently short upload (only an `expect` check catches that).
   */
  readonly cutPut?: { readonly afterBytes: number; readonly how: 'error' | 'end' };
  /** On every get, invert bit `bit` (0-7, default 0) of the byte at `offset`. */
  readonly flipBit?: { readonly offset: number; readonly bit?: number };
  /** On every get, end the stream after this many bytes. */
  readonly truncateReadAt?: number;
}

/**
 * Wraps any storage and injects faults (restic's faulty backend), for tests of what lifeboat
 * does when a storage misbehaves.
 */
export class FaultyStorage extends ForwardingStorage {
  readonly #faults: Faults;
  #puts = 0;
  #gets = 0;

  constructor(inner: Storage, faults: Faults) {
    super(inner);
    this.#faults = faults;
  }

  override async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    this.#puts += 1;
    if (this.#puts === this.#faults.failPut) {
      const err = injected(`put "${key}" (call ${this.#puts}) failed`);
      stopBody(body, err);
      throw err;
    }
    const cut = this.#faults.cutPut;
    if (cut === undefined) return super.put(key, body, options);
    const cutter = byteWindow(cut.afterBytes, cut.how);
    body.on('error', (err) => cutter.destroy(err));
    cutter.on('error', (err) => stopBody(body, err));
    return super.put(key, body.pipe(cutter), options);
  }

  override async get(key: string, options?: ReadOptions): Promise<Readable> {
    this.#gets += 1;
    if (this.#gets === this.#faults.failGet)
      throw injected(`get "${key}" (call ${this.#gets}) failed`);
    let stream = await super.get(key, options);
    const { flipBit, truncateReadAt } = this.#faults;
    if (flipBit !== undefined) stream = relay(stream, bitFlipper(flipBit.offset, flipBit.bit ?? 0));
    if (truncateReadAt !== undefined) stream = relay(stream, byteWindow(truncateReadAt, 'end'));
    return stream;
  }
}

function injected(what: string): LifeboatError {
  return new LifeboatError('IO_ERROR', `injected fault: ${what}`, { details: { injected: true } });
}

/** Pipes `source` into `transform`, forwarding errors, and returns the transform. */
function relay(source: Readable, transform: Transform): Readable {
  source.on('error', (err) => transform.destroy(err));
  transform.on('close', () => source.destroy());
  return source.pipe(transform);
}

/** Passes the first `limit` bytes, then ends or fails. */
function byteWindow(limit: number, how: 'error' | 'end'): Transform {
  let seen = 0;
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (done) return callback();
      const room = limit - seen;
      seen += chunk.length;
      if (chunk.length < room) return callback(null, chunk);
      done = true;
      if (room > 0) this.push(chunk.subarray(0, room));
      if (how === 'error') return callback(injected(`stream cut after ${limit} bytes`));
      this.push(null);
      callback();
    },
  });
}

/** Inverts one bit at an absolute offset of the stream. */
function bitFlipper(offset: number, bit: number): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (offset >= position && offset < position + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[offset - position] = (copy[offset - position] as number) ^ (1 << bit);
        chunk = copy;
      }
      position += chunk.length;
      callback(null, chunk);
    },
  });
}
