import { chooseAlgorithm, HashSum128, murmur3x86_128 } from '../shared/row-hash.js';
import { sha256Head } from './postgres-sha256.js';

/** The checksum backups write now; bump the version if the definition below ever changes. */
export const CHECKSUM_ALGORITHM = 'lifeboat-postgres-v2';

/** Every checksum this engine computes: v1 for artifacts written before v2. */
export const CHECKSUM_ALGORITHMS = ['lifeboat-postgres-v1', CHECKSUM_ALGORITHM] as const;

export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** The algorithm to measure with: the manifest's (`asked`), or the current one. */
export function checksumAlgorithm(asked: string | undefined): ChecksumAlgorithm {
  return chooseAlgorithm(asked, CHECKSUM_ALGORITHMS, CHECKSUM_ALGORITHM);
}

/**
 * Order-independent checksum of a table's rows. Each row is taken as its line of
 * `COPY … TO STDOUT` text output (without the newline), under the session settings of
 * {@link prepareSession} (UTF8, ISO dates, UTC, extra_float_digits 3, hex bytea), hashed to
 * 128 bits, and the hashes are summed modulo 2^128 — a sum, not XOR, so a duplicated row
 * changes the result. COPY text is canonical for a given server version; a type whose text
 * output changes between major versions would change the checksum.
 *
 * - `lifeboat-postgres-v2`: MurmurHash3_x86_128 (seed 0) of the line; its words h1..h4 are
 *   the 128-bit number h1·2^96 + h2·2^64 + h3·2^32 + h4.
 * - `lifeboat-postgres-v1`: the first 16 bytes of the line's SHA-256, big-endian. Kept so
 *   artifacts written with it still verify and restore with their checksums checked.
 */
export class CopyChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly #sum = new HashSum128();
  readonly #v2: boolean;
  readonly #words = new Int32Array(4);
  readonly #head = [0, 0, 0, 0];

  constructor(algorithm: ChecksumAlgorithm = CHECKSUM_ALGORITHM) {
    this.algorithm = algorithm;
    this.#v2 = algorithm === CHECKSUM_ALGORITHM;
  }

  get rows(): number {
    return this.#sum.rows;
  }

  /** The sum v2 row hashes go into, for `copyRows` to add whole reads of rows at once. */
  get murmurSum(): HashSum128 | undefined {
    return this.#v2 ? this.#sum : undefined;
  }

  /** Adds one row: a COPY line without its newline. */
  addLine(line: Uint8Array): void {
    this.addRange(line, 0, line.length);
  }

  /** Adds one row: the COPY line `data[start..end)`, without its newline. */
  addRange(data: Uint8Array, start: number, end: number): void {
    if (this.#v2) {
      const w = this.#words;
      murmur3x86_128(data, start, end, w);
      this.#sum.add(w[0] as number, w[1] as number, w[2] as number, w[3] as number);
      return;
    }
    const h = this.#head;
    sha256Head(data, start, end, h);
    this.#sum.add(h[0] as number, h[1] as number, h[2] as number, h[3] as number);
  }

  /** `<algorithm>:<32 hex digits>`. */
  toString(): string {
    return this.#sum.format(this.algorithm);
  }
}
