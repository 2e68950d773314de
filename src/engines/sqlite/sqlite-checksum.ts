import * as crypto from 'node:crypto';
import { chooseAlgorithm } from '../shared/row-hash.js';
import { TextBytes, type CellValue } from './sqlite-cell.js';

/**
 * SHA-256 of one row as a 32-character latin1 string (one char per byte). `crypto.hash`
 * (Node >= 20.12) hashes in one call without creating a Hash object per row, about 4x
 * cheaper than `createHash().update().digest()` for rows of ~100 bytes; a latin1 (`binary`) string is
 * the cheapest way to return 32 bytes from it.
 */
const sha256Latin1: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

/** Name and version of the checksum; bump the version if the encoding below ever changes. */
export const CHECKSUM_ALGORITHM = 'lifeboat-sqlite-v1';

/** Fails (MANIFEST_INVALID) when a manifest asks for a checksum this engine cannot compute. */
export function assertKnownAlgorithm(asked: string | undefined): void {
  chooseAlgorithm(asked, [CHECKSUM_ALGORITHM], CHECKSUM_ALGORITHM);
}

// Type tags follow SQLite's own datatype codes (SQLITE_INTEGER=1 ... SQLITE_NULL=5).
const INTEGER = 1;
const REAL = 2;
const TEXT = 3;
const BLOB = 4;
const NULL = 5;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Order-independent checksum of a table's rows (`lifeboat-sqlite-v1`).
 *
 * Each row is encoded canonically, column by column in declaration order, as a type tag
 * followed by the value: INTEGER as 8-byte big-endian two's complement, REAL as 8-byte
 * big-endian IEEE-754 (so -0.0 and 0.0 differ), TEXT and BLOB as a 4-byte big-endian length
 * and the stored bytes, NULL as the tag alone. The tag keeps `1`, `1.0`, `'1'` and `X'31'`
 * apart, which is exactly what SQLite's storage classes do. Columns covered: every column the
 * dump writes, i.e. all stored non-generated columns; the hidden rowid and generated columns
 * are left out because they are not user data (generated columns are recomputed from the
 * others). The first 16 bytes of the row's SHA-256 are added as a 128-bit number modulo
 * 2^128 — a sum, not XOR, so a duplicated row changes the result.
 */
export class TableChecksum {
  /** Rows added so far. */
  rows = 0;
  // The 128-bit sum as four 32-bit limbs, most significant first; numbers, not BigInt, for speed.
  readonly #limbs = [0, 0, 0, 0];
  #buf = Buffer.alloc(4096);
  #len = 0;

  /** Starts a new row. */
  beginRow(): void {
    this.#len = 0;
  }

  /** Adds one value as the row reader yields it (the caller has made sure a string is exact). */
  addValue(value: CellValue | undefined): void {
    if (typeof value === 'string') {
      // Encode straight into the row buffer: at most 3 bytes per UTF-16 code unit.
      this.#reserve(5 + 3 * value.length);
      const length = this.#buf.write(value, this.#len + 5, 'utf8');
      this.#buf[this.#len] = TEXT;
      this.#buf.writeUInt32BE(length, this.#len + 1);
      this.#len += 5 + length;
    } else if (typeof value === 'bigint') {
      this.#reserve(9);
      const buf = this.#buf;
      const at = this.#len;
      buf[at] = INTEGER;
      if (value >= -MAX_SAFE && value <= MAX_SAFE) {
        // Two's complement by hand: writeBigInt64BE does BigInt arithmetic and costs ~3x more.
        const n = Number(value);
        const hi = Math.floor(n / 0x100000000);
        const lo = n - hi * 0x100000000;
        buf[at + 1] = hi >>> 24;
        buf[at + 2] = hi >>> 16;
        buf[at + 3] = hi >>> 8;
        buf[at + 4] = hi;
        buf[at + 5] = lo >>> 24;
        buf[at + 6] = lo >>> 16;
        buf[at + 7] = lo >>> 8;
        buf[at + 8] = lo;
      } else buf.writeBigInt64BE(value, at + 1);
      this.#len += 9;
    } else if (value === null || value === undefined) {
      this.#reserve(1);
      this.#buf[this.#len++] = NULL;
    } else if (typeof value === 'number') {
      this.#reserve(9);
      this.#buf[this.#len] = REAL;
      this.#buf.writeDoubleBE(value, this.#len + 1);
      this.#len += 9;
    } else if (value instanceof TextBytes) {
      this.#bytes(TEXT, value.bytes);
    } else {
      this.#bytes(BLOB, value);
    }
  }

  /** Finishes the row and adds its hash to the sum. */
  endRow(): void {
    const digest = sha256Latin1(this.#buf.subarray(0, this.#len));
    const limbs = this.#limbs;
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const word =
        digest.charCodeAt(4 * i) * 0x1000000 +
        ((digest.charCodeAt(4 * i + 1) << 16) |
          (digest.charCodeAt(4 * i + 2) << 8) |
          digest.charCodeAt(4 * i + 3));
      const sum = (limbs[i] ?? 0) + word + carry;
      limbs[i] = sum >>> 0;
      carry = sum > 0xffffffff ? 1 : 0;
    }
    this.rows++;
  }

  /** `lifeboat-sqlite-v1:<32 hex digits>`. */
  toString(): string {
    return `${CHECKSUM_ALGORITHM}:${this.#limbs.map((l) => l.toString(16).padStart(8, '0')).join('')}`;
  }

  #bytes(tag: number, bytes: Buffer): void {
    this.#reserve(5 + bytes.length);
    this.#buf[this.#len] = tag;
    this.#buf.writeUInt32BE(bytes.length, this.#len + 1);
    bytes.copy(this.#buf, this.#len + 5);
    this.#len += 5 + bytes.length;
  }

  #reserve(extra: number): void {
    if (this.#len + extra <= this.#buf.length) return;
    const grown = Buffer.alloc(Math.max(this.#buf.length * 2, this.#len + extra));
    this.#buf.copy(grown, 0, 0, this.#len);
    this.#buf = grown;
  }
}
