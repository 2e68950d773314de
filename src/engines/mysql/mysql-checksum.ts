import * as crypto from 'node:crypto';

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

  /** Adds one row of raw values (null for NULL). */
  addRow(values: readonly (Buffer | null)[]): void {
    let need = 0;
    for (const v of values) need += v === null ? 1 : 5 + v.length;
    if (need > this.#buf.length) this.#buf = Buffer.alloc(Math.max(need, this.#buf.length * 2));
    const buf = this.#buf;
    let at = 0;
    for (const v of values) {
      if (v === null) {
        buf[at++] = 0;
        continue;
      }
      buf[at] = 1;
      buf.writeUInt32BE(v.length, at + 1);
      v.copy(buf, at + 5);
      at += 5 + v.length;
    }
    const digest = sha256Latin1(buf.subarray(0, at));
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
