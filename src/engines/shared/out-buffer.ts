import type { DumpWriter } from '../engine.js';

/** Flush threshold in UTF-16 code units: big enough to amortise each write, small enough to stay flat. */
export const CHUNK_CHARS = 64 * 1024;

/**
 * Collects small strings (one INSERT each) and hands them to the pipeline in ~64 KiB chunks,
 * awaiting each write so the pipeline's backpressure paces the reader.
 */
export class OutBuffer {
  readonly #out: DumpWriter;
  readonly #limit: number;
  #parts: string[] = [];
  #size = 0;

  constructor(out: DumpWriter, limit = CHUNK_CHARS) {
    this.#out = out;
    this.#limit = limit;
  }

  /** Appends text; check {@link full} afterwards and flush when it says so. */
  add(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
  }

  /** True when a chunk is ready to go. */
  get full(): boolean {
    return this.#size >= this.#limit;
  }

  /** Writes what is buffered (nothing if empty). */
  async flush(): Promise<void> {
    if (this.#size === 0) return;
    const text = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    await this.#out.write(text);
  }
}
