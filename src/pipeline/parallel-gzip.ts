import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { LifeboatError } from '../errors/index.js';
import type { StageResult } from './manifest.js';
import type { Stage } from './stage.js';

/**
 * Compresses one block into one complete gzip member. `outputHint` is the expected size of the
 * member (from the previous ones), to size the output buffer; the result must not depend on
 * it. The block's memory is reused once the promise settles: do not keep it.
 */
export type CompressBlock = (block: Buffer, level: number, outputHint?: number) => Promise<Buffer>;

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
 * callbacks (the largest item of a PostgreSQL backup's profile). An output buffer about as
 * large as the member makes it one job; sized from the previous members rather than the block,
 * each member does not pin a block-sized buffer (4× its size for SQL text) while it waits to
 * be stored. The compressed bytes do not depend on the buffer size.
 */
/** zlib's memLevel for every member. */
export const GZIP_MEM_LEVEL = 9;

const zlibGzip: CompressBlock = (() => {
  const run = promisify(gzip);
  return (block, level, outputHint = block.length) =>
    run(block, {
      level,
      // memLevel 9 (zlib's default is 8): a larger hash table, ~3% less CPU at level 6 on SQL
      // text and slightly smaller output, for 128 KiB more per member being compressed.
      memLevel: GZIP_MEM_LEVEL,
      chunkSize: Math.max(64 * 1024, Math.min(outputHint, 4 << 20)),
    });
})();

/** Default input bytes per member. */
export const GZIP_BLOCK_SIZE = 1 << 20;

interface Job {
  outcome?: { readonly data: Buffer } | { readonly error: unknown };
  readonly settled: Promise<void>;
}

/** Head room of the output buffer over the expected member size. */
const outputHint = (lastMember: number): number => lastMember + (lastMember >>> 2) + 16 * 1024;

/**
 * gzip that keeps every core busy, like pigz: the input is cut into blocks, each compressed as
 * an independent gzip member on the thread pool, a bounded number at once, and members are
 * emitted strictly in input order. Concatenated members are one ordinary .gz file (RFC 1952
 * §2.2), so `gunzip` and zlib read it whole. Memory stays near
 * `(maxInFlight + 1) × blockSize` plus the members whatever the input size: when the window is
 * full the writable side waits, so backpressure reaches the producer. Input is copied into
 * block buffers that are reused once their block is compressed, so a long backup does not
 * leave a trail of block-sized garbage for the collector.
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
  /** The block being filled, and how many bytes it holds. */
  #block: Buffer | null = null;
  #filled = 0;
  /** Block buffers whose compression finished, ready for reuse. */
  #free: Buffer[] = [];
  #members = 0;
  #lastMember: number;

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
    this.#lastMember = this.blockSize;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#take(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    const finish = async (): Promise<void> => {
      // An empty input still becomes one (empty) member: zero bytes are not a valid .gz file.
      if (this.#filled > 0 || this.#members + this.#window.length === 0) {
        const block = this.#block ?? Buffer.alloc(0);
        await this.#dispatch(block, this.#filled);
        this.#block = null;
        this.#filled = 0;
      }
      while (this.#window.length > 0) await this.#emitOldest();
    };
    finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Blocks on the thread pool finish on their own; their results are simply dropped, and
    // their buffers are never reused.
    this.#window.length = 0;
    this.#block = null;
    this.#free = [];
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

  /** Copies `chunk` into blocks, dispatching each block that fills up. */
  async #take(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#block === null) {
        this.#block = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
        this.#filled = 0;
      }
      const copied = chunk.copy(this.#block, this.#filled, offset);
      this.#filled += copied;
      offset += copied;
      if (this.#filled === this.blockSize) {
        const block = this.#block;
        this.#block = null;
        this.#filled = 0;
        await this.#dispatch(block, this.blockSize);
        if (this.destroyed) return;
      }
    }
    // Emit what is already done without waiting, so output flows while input keeps coming.
    while (this.#window[0]?.outcome !== undefined) await this.#emitOldest();
  }

  /** Starts compressing `buffer[0, length)`; waits first while the window is full. */
  async #dispatch(buffer: Buffer, length: number): Promise<void> {
    while (this.#window.length >= this.maxInFlight) await this.#emitOldest();
    if (this.destroyed) return;
    const block = length === buffer.length ? buffer : buffer.subarray(0, length);
    // The outcome is caught at once: a failed block must not become an unhandled rejection
    // while it waits for its turn in the window.
    const job: Job = {
      settled: this.#compress(block, this.level, outputHint(this.#lastMember)).then(
        (data) => void (job.outcome = { data }),
        (error: unknown) => void (job.outcome = { error }),
      ),
    };
    // Once compressed, the block's buffer takes the next input (not after a destroy: a block
    // may still be on the thread pool then).
    void job.settled.then(() => {
      if (!this.destroyed && buffer.length === this.blockSize) this.#free.push(buffer);
    });
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
    this.#lastMember = outcome.data.length;
    this.push(outcome.data);
  }
}
