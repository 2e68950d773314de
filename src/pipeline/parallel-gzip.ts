import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { LifeboatError } from '../errors/index.js';
import type { StageResult } from './manifest.js';
import type { Stage } from './stage.js';

/** Compresses one block into one complete gzip member. */
export type CompressBlock = (block: Buffer, level: number) => Promise<Buffer>;

/** Options of {@link ParallelGzip}. */
export interface ParallelGzipOptions {
  /** zlib level 0-9; default 6, gzip's own default. */
  readonly level?: number;
  /** Input bytes per gzip member; default 1 MiB. */
  readonly blockSize?: number;
  /** Blocks compressing at once; bounds memory. Default twice the cores. */
  readonly maxInFlight?: number;
  /** Replaces zlib's async gzip, so tests can observe concurrency. */
  readonly compress?: CompressBlock;
}

/**
 * The default: zlib's async gzip, which runs on libuv's thread pool, off the main thread.
 * zlib hands each full output buffer back to the main thread before it deflates further, so
 * with the default 16 KiB `chunkSize` a 1 MiB block costs dozens of thread hops and main-thread
 * callbacks (the largest item of a PostgreSQL backup's profile). An output buffer as large as
 * the block makes it one job. The compressed bytes do not depend on the buffer size.
 */
const zlibGzip: CompressBlock = (() => {
  const run = promisify(gzip);
  return (block, level) =>
    run(block, { level, chunkSize: Math.max(64 * 1024, Math.min(block.length, 4 << 20)) });
})();

/** Default input bytes per member. */
export const GZIP_BLOCK_SIZE = 1 << 20;

interface Job {
  outcome?: { readonly data: Buffer } | { readonly error: unknown };
  readonly settled: Promise<void>;
}

/**
 * gzip that keeps every core busy, like pigz: the input is cut into blocks, each compressed as
 * an independent gzip member on the thread pool, a bounded number at once, and members are
 * emitted strictly in input order. Concatenated members are one ordinary .gz file (RFC 1952
 * §2.2), so `gunzip` and zlib read it whole. Memory stays near
 * `maxInFlight × blockSize × 2` whatever the input size: when the window is full the
 * writable side waits, so backpressure reaches the producer.
 */
export class ParallelGzip extends Transform implements Stage {
  /** zlib level 0-9. */
  readonly level: number;
  /** Input bytes per member. */
  readonly blockSize: number;
  /** Most blocks compressing or waiting to be emitted at once. */
  readonly maxInFlight: number;
  readonly #compress: CompressBlock;
  readonly #window: Job[] = [];
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  #members = 0;

  constructor(options: ParallelGzipOptions = {}) {
    super();
    this.level = options.level ?? 6;
    if (!Number.isInteger(this.level) || this.level < 0 || this.level > 9) {
      throw new LifeboatError(
        'USAGE',
        `gzip level must be an integer from 0 to 9, got ${String(options.level)}`,
        {
          hint: 'use 1 for speed, 9 for size; 6 is the default',
        },
      );
    }
    this.blockSize = options.blockSize ?? GZIP_BLOCK_SIZE;
    this.maxInFlight = options.maxInFlight ?? 2 * availableParallelism();
    this.#compress = options.compress ?? zlibGzip;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    this.#dispatchFullBlocks().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    const finish = async (): Promise<void> => {
      // An empty input still becomes one (empty) member: zero bytes are not a valid .gz file.
      if (this.#bufferedBytes > 0 || this.#members + this.#window.length === 0) {
        await this.#dispatch(this.#take(this.#bufferedBytes));
      }
      while (this.#window.length > 0) await this.#emitOldest();
    };
    finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Blocks on the thread pool finish on their own; their results are simply dropped.
    this.#window.length = 0;
    this.#buffered = [];
    callback(error);
  }

  result(): StageResult {
    return {
      stage: 'gzip',
      of: 'artifact',
      level: this.level,
      blockSize: this.blockSize,
      members: this.#members,
    };
  }

  async #dispatchFullBlocks(): Promise<void> {
    while (this.#bufferedBytes >= this.blockSize) await this.#dispatch(this.#take(this.blockSize));
    // Emit what is already done without waiting, so output flows while input keeps coming.
    while (this.#window[0]?.outcome !== undefined) await this.#emitOldest();
  }

  async #dispatch(block: Buffer): Promise<void> {
    while (this.#window.length >= this.maxInFlight) await this.#emitOldest();
    if (this.destroyed) return;
    // The outcome is caught at once: a failed block must not become an unhandled rejection
    // while it waits for its turn in the window.
    const job: Job = {
      settled: this.#compress(block, this.level).then(
        (data) => void (job.outcome = { data }),
        (error: unknown) => void (job.outcome = { error }),
      ),
    };
    this.#window.push(job);
  }

  async #emitOldest(): Promise<void> {
    const job = this.#window[0];
    if (job === undefined) return;
    await job.settled;
    if (this.#window[0] !== job) return; // destroyed meanwhile
    this.#window.shift();
    const outcome = job.outcome as NonNullable<Job['outcome']>;
    if ('error' in outcome) throw outcome.error;
    this.#members += 1;
    this.push(outcome.data);
  }

  /** Removes and returns the first `bytes` buffered bytes. */
  #take(bytes: number): Buffer {
    const all =
      this.#buffered.length === 1 ? (this.#buffered[0] as Buffer) : Buffer.concat(this.#buffered);
    const rest = all.subarray(bytes);
    this.#buffered = rest.length > 0 ? [rest] : [];
    this.#bufferedBytes = rest.length;
    return all.subarray(0, bytes);
  }
}
