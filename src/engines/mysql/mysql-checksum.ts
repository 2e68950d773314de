import * as crypto from 'node:crypto';
import { chooseAlgorithm, HashSum128, murmur3x86_128 } from '../shared/row-hash.js';
import { headerSize, lengthAt, NULL_VALUE } from './mysql-packet.js';

/** The checksum backups write now; bump the version if the definition below ever changes. */
export const CHECKSUM_ALGORITHM = 'lifeboat-mysql-v2';

/** Every checksum this engine computes: v1 for artifacts written before v2. */
export const CHECKSUM_ALGORITHMS = ['lifeboat-mysql-v1', CHECKSUM_ALGORITHM] as const;

export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The algorithm to measure with: the manifest's (`asked`), or the current one. */
export function checksumAlgorithm(asked: string | undefined): ChecksumAlgorithm {
  return chooseAlgorithm(asked, CHECKSUM_ALGORITHMS, CHECKSUM_ALGORITHM);
}

const sha256Latin1: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

/**
 * Order-independent checksum of a table's rows. A row is the values of its stored,
 * non-generated columns in ordinal order, each exactly as the server sent it over the text
 * protocol for lifeboat's pinned session (utf8mb4, UTC, FLOAT widened to DOUBLE — see
 * `selectExpression`). Each row is hashed to 128 bits and the hashes are summed modulo 2^128 —
 * a sum, not XOR, so a duplicated row counts. The dump and `summarize` read rows with the same
 * SELECT, so they measure the same thing.
 *
 * - `lifeboat-mysql-v2`: MurmurHash3_x86_128 (seed 0) of the row as the text protocol encodes
 *   it — each value as a length-encoded string (the length as the protocol's length-encoded
 *   integer in its shortest form, as MySQL and MariaDB write it, then the bytes), NULL as the
 *   byte 0xFB: the row packet itself, hashed in place. Words h1..h4 are the 128-bit number
 *   h1·2^96 + h2·2^64 + h3·2^32 + h4.
 * - `lifeboat-mysql-v1`: NULL is the byte 0, a value is the byte 1, a 4-byte big-endian
 *   length and the bytes; the first 16 bytes of that encoding's SHA-256 (big-endian) are
 *   added. Kept so artifacts written with it still verify and restore with their checksums
 *   checked.
 */
export class TableChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly #sum = new HashSum128();
  readonly #v2: boolean;
  readonly #words = new Int32Array(4);
  #buf = Buffer.alloc(4096);
  /**
   * Views of `#buf` by length, made once: a table's rows have few distinct lengths, and a
   * `subarray` per row cost more than hashing a short one.
   */
  #views: (Buffer | undefined)[] = [];

  constructor(algorithm: ChecksumAlgorithm = CHECKSUM_ALGORITHM) {
    this.algorithm = algorithm;
    this.#v2 = algorithm === CHECKSUM_ALGORITHM;
  }

  get rows(): number {
    return this.#sum.rows;
  }

  /**
   * Adds one row from its text-protocol row packet (`src[start, end)`: `count` values, each
   * a length-encoded string or 0xFB for NULL), without a Buffer per value.
   */
  addPacket(src: Uint8Array, start: number, end: number, count: number): void {
    if (this.#v2) {
      const w = this.#words;
      // A table without stored columns reads `SELECT 1`: its rows hash as the empty encoding.
      murmur3x86_128(src, start, count === 0 ? start : end, w);
      this.#sum.add(w[0] as number, w[1] as number, w[2] as number, w[3] as number);
      return;
    }
    // Each value grows by at most 4 bytes (a length of 1 byte becomes 5 bytes with its tag).
    const need = end - start + 4 * count;
    if (need > this.#buf.length) {
      this.#buf = Buffer.alloc(Math.max(need, this.#buf.length * 2));
      this.#views = [];
    }
    const buf = this.#buf;
    let at = 0;
    let p = start;
    for (let i = 0; i < count; i++) {
      const first = src[p] as number;
      if (first === NULL_VALUE) {
        p++;
        buf[at++] = 0;
        continue;
      }
      const n = lengthAt(src, p);
      p += headerSize(first);
      buf[at] = 1;
      buf[at + 1] = n >>> 24;
      buf[at + 2] = (n >>> 16) & 0xff;
      buf[at + 3] = (n >>> 8) & 0xff;
      buf[at + 4] = n & 0xff;
      at += 5;
      // A view per value (`subarray`) costs more than copying a few hundred bytes by hand.
      if (n > 512) {
        buf.set(src.subarray(p, p + n), at);
        at += n;
      } else {
        for (let j = p, e = p + n; j < e; j++) buf[at++] = src[j] as number;
      }
      p += n;
    }
    let view = this.#views[at];
    if (view === undefined) {
      view = buf.subarray(0, at);
      if (at <= 4096) this.#views[at] = view;
    }
    this.#add(view);
  }

  /** Adds the v1 hash of one encoded row. */
  #add(encoded: Buffer): void {
    const digest = sha256Latin1(encoded);
    const at = (i: number): number =>
      digest.charCodeAt(i) * 0x1000000 +
      ((digest.charCodeAt(i + 1) << 16) |
        (digest.charCodeAt(i + 2) << 8) |
        digest.charCodeAt(i + 3));
    this.#sum.add(at(0), at(4), at(8), at(12));
  }

  /** `<algorithm>:<32 hex digits>`. */
  toString(): string {
    return this.#sum.format(this.algorithm);
  }
}
