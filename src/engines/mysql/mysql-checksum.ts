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
    const count = values.length;
    let need = 0;
    for (let i = 0; i < count; i++) need += 5 + (values[i]?.length ?? 0);
    if (need > this.#buf.length) this.#buf = Buffer.alloc(Math.max(need, this.#buf.length * 2));
    const buf = this.#buf;
    let at = 0;
    // Indexed loops and byte stores: a native call per short value (`copy`, `writeUInt32BE`)
    // cost more than the bytes.
    for (let i = 0; i < count; i++) {
      const v = values[i] ?? null;
      if (v === null) {
        buf[at++] = 0;
        continue;
      }
      const n = v.length;
      buf[at] = 1;
      buf[at + 1] = n >>> 24;
      buf[at + 2] = (n >>> 16) & 0xff;
      buf[at + 3] = (n >>> 8) & 0xff;
      buf[at + 4] = n & 0xff;
      at += 5;
      if (n > 64) {
        buf.set(v, at);
        at += n;
      } else {
        for (let j = 0; j < n; j++) buf[at++] = v[j] as number;
      }
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
