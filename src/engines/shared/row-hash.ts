import { LifeboatError } from '../../errors/index.js';

/**
 * MurmurHash3_x86_128 (Austin Appleby, public domain; the reference `MurmurHash3.cpp` of
 * SMHasher) of `data[start..end)`, written to `out` as its four 32-bit words
 * h1..h4. The v2 row checksums hash every row with it: in plain JavaScript it runs at
 * 1–1.3 GB/s on rows of 100–600 bytes, two to three times the per-row SHA-256 of v1 (whose
 * cost was the call into OpenSSL for each row, not the hashing). A checksum only has to catch
 * accidental differences — loss, truncation, a wrong value — not forgery: the artifact itself
 * is guarded by the SHA-256 of its bytes. Exactness is checked against SMHasher's verification
 * value for this function (`0xB3ECE62A`).
 */
export function murmur3x86_128(
  data: Uint8Array,
  start: number,
  end: number,
  out: Int32Array,
  seed = 0,
): void {
  const len = end - start;
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  let p = start;
  const bodyEnd = start + (len & ~15);
  const view = viewOf(data);
  while (p < bodyEnd) {
    let k1 = view.getInt32(p, true);
    let k2 = view.getInt32(p + 4, true);
    let k3 = view.getInt32(p + 8, true);
    let k4 = view.getInt32(p + 12, true);
    p += 16;
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    h1 ^= Math.imul(k1, C2);
    h1 = (h1 << 19) | (h1 >>> 13);
    h1 = (Math.imul((h1 + h2) | 0, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    h2 ^= Math.imul(k2, C3);
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (Math.imul((h2 + h3) | 0, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    h3 ^= Math.imul(k3, C4);
    h3 = (h3 << 15) | (h3 >>> 17);
    h3 = (Math.imul((h3 + h4) | 0, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    h4 ^= Math.imul(k4, C1);
    h4 = (h4 << 13) | (h4 >>> 19);
    h4 = (Math.imul((h4 + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  const tail = len & 15;
  if (tail > 12) {
    let k4 = byte(data, p + 12);
    if (tail > 13) k4 |= byte(data, p + 13) << 8;
    if (tail > 14) k4 |= byte(data, p + 14) << 16;
    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    h4 ^= Math.imul(k4, C1);
  }
  if (tail > 8) {
    const k3 = Math.imul(tail >= 12 ? word(data, p + 8) : partial(data, p + 8, tail - 8), C3);
    h3 ^= Math.imul((k3 << 17) | (k3 >>> 15), C4);
  }
  if (tail > 4) {
    const k2 = Math.imul(tail >= 8 ? word(data, p + 4) : partial(data, p + 4, tail - 4), C2);
    h2 ^= Math.imul((k2 << 16) | (k2 >>> 16), C3);
  }
  if (tail > 0) {
    const k1 = Math.imul(tail >= 4 ? word(data, p) : partial(data, p, tail), C1);
    h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), C2);
  }
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}

const C1 = 0x239b961b;
const C2 = 0xab0e9789 | 0;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93 | 0;

/**
 * A DataView of `data`, kept for the next call: rows come many to a buffer, and V8 compiles
 * `getInt32(p, true)` to one unaligned load where four byte loads and shifts cost twice the
 * time of the whole hash.
 */
function viewOf(data: Uint8Array): DataView<ArrayBufferLike> {
  if (data !== lastData) {
    lastData = data;
    lastView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  return lastView;
}
let lastData: Uint8Array | undefined;
let lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function byte(data: Uint8Array, i: number): number {
  return data[i] as number;
}

/** The little-endian 32-bit word at `p`. */
function word(data: Uint8Array, p: number): number {
  return (
    byte(data, p) | (byte(data, p + 1) << 8) | (byte(data, p + 2) << 16) | (byte(data, p + 3) << 24)
  );
}

/** The first `n` (1–3) bytes at `p` as a little-endian word. */
function partial(data: Uint8Array, p: number, n: number): number {
  let k = byte(data, p);
  if (n > 1) k |= byte(data, p + 1) << 8;
  if (n > 2) k |= byte(data, p + 2) << 16;
  return k;
}

function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b | 0);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35 | 0);
  return h ^ (h >>> 16);
}

/**
 * A 128-bit sum modulo 2^128 of per-row hashes, as four 32-bit limbs (most significant
 * first): the order-independent part of every lifeboat row checksum. A sum, not XOR, so a
 * duplicated row changes the result.
 */
export class HashSum128 {
  rows = 0;
  readonly #limbs = [0, 0, 0, 0];

  /** Adds one row's hash, given as four words, the first the most significant. */
  add(w0: number, w1: number, w2: number, w3: number): void {
    this.addSum(w0, w1, w2, w3, 1);
  }

  /** Adds the sum of `rows` rows' hashes, given as four words as in {@link add}. */
  addSum(w0: number, w1: number, w2: number, w3: number, rows: number): void {
    const limbs = this.#limbs;
    let sum = (limbs[3] as number) + (w3 >>> 0);
    limbs[3] = sum >>> 0;
    sum = (limbs[2] as number) + (w2 >>> 0) + (sum > 0xffffffff ? 1 : 0);
    limbs[2] = sum >>> 0;
    sum = (limbs[1] as number) + (w1 >>> 0) + (sum > 0xffffffff ? 1 : 0);
    limbs[1] = sum >>> 0;
    sum = (limbs[0] as number) + (w0 >>> 0) + (sum > 0xffffffff ? 1 : 0);
    limbs[0] = sum >>> 0;
    this.rows += rows;
  }

  /** `<algorithm>:<32 hex digits>`. */
  format(algorithm: string): string {
    return `${algorithm}:${this.#limbs.map((l) => l.toString(16).padStart(8, '0')).join('')}`;
  }
}

/**
 * The checksum algorithm a measuring call should compute: the one asked for (a manifest's
 * `checksumAlgorithm`), when this engine knows it, or the engine's current one. An unknown
 * name means an artifact written by a newer lifeboat: its checksums cannot be compared.
 */
export function chooseAlgorithm<A extends string>(
  asked: string | undefined,
  known: readonly A[],
  current: A,
): A {
  if (asked === undefined) return current;
  const found = known.find((a) => a === asked);
  if (found !== undefined) return found;
  throw new LifeboatError(
    'MANIFEST_INVALID',
    `the artifact's table checksums are "${asked}", which this lifeboat cannot compute (it knows ${known.join(', ')})`,
    { hint: 'restore or verify it with the lifeboat version that made it, or a newer one' },
  );
}
