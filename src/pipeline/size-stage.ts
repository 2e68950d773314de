import { Transform, type TransformCallback } from 'node:stream';
import type { StageResult } from './manifest.js';
import type { Stage } from './stage.js';

/** Passes bytes through unchanged while counting them. */
export class SizeStage extends Transform implements Stage {
  readonly of: StageResult['of'];
  #bytes = 0;
  #complete = false;

  constructor(of: StageResult['of']) {
    super();
    this.of = of;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#complete = true;
    callback();
  }

  /** Bytes seen so far; final once {@link complete}. */
  get bytes(): number {
    return this.#bytes;
  }

  /** True once every byte went through. */
  get complete(): boolean {
    return this.#complete;
  }

  result(): StageResult {
    return { stage: 'size', of: this.of, bytes: this.#bytes };
  }
}
