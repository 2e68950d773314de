import { sha256Head } from './postgres-sha256.js';

/** Name and version of the checksum; bump the version if the encoding below ever changes. */
export const CHECKSUM_ALGORITHM = 'lifeboat-postgres-v1';

/**
 * Order-independent checksum of a table's rows (`lifeboat-postgres-v1`): each row is taken as
 * its line of `COPY … TO STDOUT` text output (without the newline), under the session settings
 * of {@link prepareSession} (UTF8, ISO dates, UTC, extra_float_digits 3, hex bytea), and the
 * first 16 bytes of the line's SHA-256 are summed modulo 2^128 — a sum, not XOR, so a
 * duplicated row changes the result. COPY text is canonical for a given server version; a type
 * whose text output changes between major versions would change the checksum.
 */
export class CopyChecksum {
  rows = 0;
  readonly #limbs = [0, 0, 0, 0];

  readonly #head = [0, 0, 0, 0];

  /** Adds one row: a COPY line without its newline. */
  addLine(line: Uint8Array): void {
    this.addRange(line, 0, line.length);
  }

  /** Adds one row: the COPY line `data[start..end)`, without its newline. */
  addRange(data: Uint8Array, start: number, end: number): void {
    const head = this.#head;
    sha256Head(data, start, end, head);
    const limbs = this.#limbs;
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const sum = (limbs[i] ?? 0) + (head[i] ?? 0) + carry;
      limbs[i] = sum >>> 0;
      carry = sum > 0xffffffff ? 1 : 0;
    }
    this.rows++;
  }

  /** `lifeboat-postgres-v1:<32 hex digits>`. */
  toString(): string {
    return `${CHECKSUM_ALGORITHM}:${this.#limbs.map((l) => l.toString(16).padStart(8, '0')).join('')}`;
  }
}
