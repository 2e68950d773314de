import { createHash } from 'node:crypto';

/** Name and version of the checksum; bump the version if the encoding below ever changes. */
export const CHECKSUM_ALGORITHM = 'lifeboat-sqlite-v1';

// Type tags follow SQLite's own datatype codes (SQLITE_INTEGER=1 ... SQLITE_NULL=5).
const INTEGER = 1;
const REAL = 2;
const TEXT = 3;
const BLOB = 4;
const NULL = 5;

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

  /** Adds one value; `text` is a TEXT value's stored bytes, else `value` as better-sqlite3 returns it. */
  addValue(text: Buffer | null, value: unknown): void {
    if (text !== null) return this.#bytes(TEXT, text);
    if (value === null || value === undefined) {
      this.#reserve(1);
      this.#buf[this.#len++] = NULL;
    } else if (typeof value === 'bigint') {
      this.#reserve(9);
      this.#buf[this.#len] = INTEGER;
      this.#buf.writeBigInt64BE(value, this.#len + 1);
      this.#len += 9;
    } else if (typeof value === 'number') {
      this.#reserve(9);
      this.#buf[this.#len] = REAL;
      this.#buf.writeDoubleBE(value, this.#len + 1);
      this.#len += 9;
    } else if (Buffer.isBuffer(value)) {
      this.#bytes(BLOB, value);
    } else {
      this.#bytes(TEXT, Buffer.from(String(value), 'utf8'));
    }
  }

  /** Finishes the row and adds its hash to the sum. */
  endRow(): void {
    const digest = createHash('sha256').update(this.#buf.subarray(0, this.#len)).digest();
    const limbs = this.#limbs;
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const sum = (limbs[i] ?? 0) + digest.readUInt32BE(i * 4) + carry;
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
