import * as crypto from 'node:crypto';

/**
 * SHA-256 (FIPS 180-4) of short byte ranges, returning only the first four words of the digest
 * — what the row checksums add up. A backup hashes every row once; `crypto.hash` with a
 * `binary` result costs ~0.5 µs a call whatever the length (set-up, not hashing), about what
 * this plain-JavaScript version takes per 64-byte block, so only single-block rows are hashed
 * here (no call, no result string); longer ranges go to OpenSSL. (With a Buffer result
 * `crypto.hash` cost ~1.5 µs, and rows up to 120 bytes were hashed here; the JavaScript
 * version is twice as slow as OpenSSL on those now.) Exactness is checked against
 * `crypto.hash` over all lengths around the block and padding boundaries.
 */

/** Ranges at least this long (more than one block with padding) are hashed by OpenSSL. */
export const JS_SHA256_MAX = 56;

// `crypto.hash` arrived in Node 20.12; older 20.x use a Hash object. The digest comes back as a
// `binary` (latin1) string, one char per byte: a small heap string, where a Buffer result costs an
// ArrayBuffer with its own backing store per row (and `'buffer'` takes the slow path of
// encoding normalisation) — twice the time, and most of the young-generation garbage of a
// backup of long rows.
const opensslSha256: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Int32Array(64);
const H = new Int32Array(8);
/** The last one or two blocks: the range's tail, the 0x80 byte, zeros and the bit length. */
const PAD = new Uint8Array(128);

function init(): void {
  H[0] = 0x6a09e667;
  H[1] = 0xbb67ae85;
  H[2] = 0x3c6ef372;
  H[3] = 0xa54ff53a;
  H[4] = 0x510e527f;
  H[5] = 0x9b05688c;
  H[6] = 0x1f83d9ab;
  H[7] = 0x5be0cd19;
}

/** One compression round over the 64-byte block of `data` at `p`. */
function block(data: Uint8Array, p: number): void {
  for (let i = 0; i < 16; i++, p += 4) {
    W[i] =
      ((data[p] as number) << 24) |
      ((data[p + 1] as number) << 16) |
      ((data[p + 2] as number) << 8) |
      (data[p + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number;
    const w2 = W[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = H[0] as number;
  let b = H[1] as number;
  let c = H[2] as number;
  let d = H[3] as number;
  let e = H[4] as number;
  let f = H[5] as number;
  let g = H[6] as number;
  let h = H[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + (K[i] as number) + (W[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = ((H[0] as number) + a) | 0;
  H[1] = ((H[1] as number) + b) | 0;
  H[2] = ((H[2] as number) + c) | 0;
  H[3] = ((H[3] as number) + d) | 0;
  H[4] = ((H[4] as number) + e) | 0;
  H[5] = ((H[5] as number) + f) | 0;
  H[6] = ((H[6] as number) + g) | 0;
  H[7] = ((H[7] as number) + h) | 0;
}

/**
 * Writes the first four big-endian words of SHA-256(`data[start..end)`) into `out[0..3]` (as
 * unsigned 32-bit numbers). Takes a range rather than a subarray so that hashing a row costs
 * no allocation.
 */
export function sha256Head(data: Uint8Array, start: number, end: number, out: number[]): void {
  if (end - start >= JS_SHA256_MAX) {
    const digest = opensslSha256(data.subarray(start, end));
    for (let i = 0, j = 0; i < 4; i++, j += 4) {
      out[i] =
        ((digest.charCodeAt(j) << 24) |
          (digest.charCodeAt(j + 1) << 16) |
          (digest.charCodeAt(j + 2) << 8) |
          digest.charCodeAt(j + 3)) >>>
        0;
    }
    return;
  }
  jsSha256Head(data, start, end, out);
}

/** {@link sha256Head} in JavaScript, for any length (exported for its test). */
export function jsSha256Head(data: Uint8Array, start: number, end: number, out: number[]): void {
  const len = end - start;
  init();
  const full = start + (len & ~63);
  for (let p = start; p < full; p += 64) block(data, p);
  const rest = end - full;
  PAD.fill(0);
  for (let i = 0; i < rest; i++) PAD[i] = data[full + i] as number;
  PAD[rest] = 0x80;
  const blocks = rest < 56 ? 1 : 2;
  const last = 64 * blocks;
  // Bit length, big-endian 64-bit; ranges here are shorter than 2^29 bytes, so the high word is 0.
  const bits = len * 8;
  PAD[last - 4] = bits >>> 24;
  PAD[last - 3] = bits >>> 16;
  PAD[last - 2] = bits >>> 8;
  PAD[last - 1] = bits;
  block(PAD, 0);
  if (blocks === 2) block(PAD, 64);
  for (let i = 0; i < 4; i++) out[i] = (H[i] as number) >>> 0;
}
