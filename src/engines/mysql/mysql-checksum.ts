import * as crypto from 'node:crypto';
import { headerSize, lengthAt, NULL_VALUE } from './mysql-packet.js';

/** Name and version of the checksum; bump the version if the encoding below ever changes. */
export const CHECKSUM_ALGORITHM = 'lifeboat-mysql-v1';

const sha256Latin1: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

/**
 * Order-independent checksum of a table's rows (`lifeboat-mysql-v1`).
 *
 * A row is the values of its stored, non-generated columns in ordinal order, each exactly as
 * the server sent it over the text protocol for lifeboat's pinned session (utf8mb4, UTC,
 * FLOAT widened to DOUBLE — see `selectExpression`): NULL is the byte 0, a value is the byte
 * 1, a 4-byte big-endian length and the bytes. The first 16 bytes of the row's SHA-256 are
 * added as a 128-bit number modulo 2^128 — a sum, not XOR, so a duplicated row counts.
 * The dump and `summarize` read rows with the same SELECT, so they measure the same thing.
 */
export class TableChecksum {
  rows = 0;
  readonly #limbs = [0, 0, 0, 0];
  #buf = Buffer.alloc(4096);
  /**
   * Views of `#buf` by length, made once: a table's rows have few distinct lengths, and a
   * `subarray` per row cost more than hashing a short one.
   */
  #views: (Buffer | undefined)[] = [];

  /**
   * Adds one row from its text-protocol row packet (`src[start, end)`: `count` values, each
   * a length-encoded string or 0xFB for NULL), without a Buffer per value.
   */
  addPacket(src: Uint8Array, start: number, end: number, count: number): void {
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

  /** Adds the hash of one encoded row. */
  #add(encoded: Buffer): void {
    const digest = sha256Latin1(encoded);
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const word =
        digest.charCodeAt(4 * i) * 0x1000000 +
        ((digest.charCodeAt(4 * i + 1) << 16) |
          (digest.charCodeAt(4 * i + 2) << 8) |
          digest.charCodeAt(4 * i + 3));
      const sum = (this.#limbs[i] ?? 0) + word + carry;
      this.#limbs[i] = sum >>> 0;
      carry = sum > 0xffffffff ? 1 : 0;
    }
    this.rows++;
  }

  /** `lifeboat-mysql-v1:<32 hex digits>`. */
  toString(): string {
    return `${CHECKSUM_ALGORITHM}:${this.#limbs.map((l) => l.toString(16).padStart(8, '0')).join('')}`;
  }
}
