import { CopyChecksum, type ChecksumAlgorithm } from './postgres-checksum.js';
import { copyLines } from './postgres-copy-rows.js';

const NL = 10;
const CR = 13;

/**
 * The checksum of the rows of `COPY … FROM stdin` blocks as a restore sends them: the rows a
 * backup measured are the very lines it wrote, so the lines loaded can be checked against the
 * manifest without reading the table back. Lines are hashed without their newline (and without
 * the `\r` of a CRLF line end, which COPY's text format accepts and never produces: a carriage
 * return in a value is written `\r`). A line cut between two chunks is collected first. The
 * v2 checksum hashes a chunk's whole lines at once in WebAssembly ({@link copyLines}).
 */
export class CopyLines {
  readonly checksum: CopyChecksum;
  #carry: Buffer | null = null;
  /** Lines hashed before the current COPY block began. */
  #blockStart = 0;

  constructor(algorithm: ChecksumAlgorithm) {
    this.checksum = new CopyChecksum(algorithm);
  }

  /** Lines hashed so far. */
  get rows(): number {
    return this.checksum.rows;
  }

  /** Hashes the whole lines of `data` (the rows of one COPY block, in order). */
  push(data: Buffer): void {
    let start = 0;
    if (this.#carry !== null) {
      const nl = data.indexOf(NL);
      if (nl < 0) {
        this.#carry = Buffer.concat([this.#carry, data]);
        return;
      }
      const line = Buffer.concat([this.#carry, data.subarray(0, nl)]);
      this.#carry = null;
      this.#add(line, 0, line.length);
      start = nl + 1;
    }
    const bulk = this.checksum.murmurSum;
    if (bulk !== undefined) {
      start += copyLines(data, start, data.length, bulk);
    } else {
      for (let nl = data.indexOf(NL, start); nl >= 0; nl = data.indexOf(NL, start)) {
        this.#add(data, start, nl);
        start = nl + 1;
      }
    }
    if (start < data.length) this.#carry = Buffer.from(data.subarray(start));
  }

  /**
   * Ends a COPY block (a last line without its newline still counts, as COPY reads it);
   * returns the lines of that block.
   */
  endBlock(): number {
    if (this.#carry !== null) {
      const line = this.#carry;
      this.#carry = null;
      this.#add(line, 0, line.length);
    }
    const lines = this.rows - this.#blockStart;
    this.#blockStart = this.rows;
    return lines;
  }

  #add(data: Buffer, start: number, end: number): void {
    this.checksum.addRange(data, start, end > start && data[end - 1] === CR ? end - 1 : end);
  }
}
