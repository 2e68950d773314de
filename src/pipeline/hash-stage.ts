import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { LifeboatError } from '../errors/index.js';
import type { StageResult } from './manifest.js';
import type { Stage } from './stage.js';

/** Passes bytes through unchanged while computing their SHA-256. */
export class Sha256Stage extends Transform implements Stage {
  readonly of: StageResult['of'];
  readonly #hash: Hash = createHash('sha256');
  #digest: string | undefined;

  constructor(of: StageResult['of']) {
    super();
    this.of = of;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  /** True once every byte went through. */
  get complete(): boolean {
    return this.#digest !== undefined;
  }

  /** The final hex digest; asking before the end is a bug (the value would be wrong). */
  get sha256(): string {
    if (this.#digest === undefined) {
      throw new LifeboatError(
        'INTERNAL',
        `sha256 of the ${this.of} was read before the stream ended`,
      );
    }
    return this.#digest;
  }

  /** Digest of the bytes seen so far, for reports on a stream that stopped early. */
  get sha256SoFar(): string {
    return this.#digest ?? this.#hash.copy().digest('hex');
  }

  result(): StageResult {
    return { stage: 'sha256', of: this.of, sha256: this.sha256 };
  }
}
