import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../errors/index.js';
import { chooseAlgorithm, HashSum128, murmur3x86_128 } from './row-hash.js';

describe('murmur3x86_128', () => {
  it("matches SMHasher's verification value for MurmurHash3_x86_128 (0xB3ECE62A)", () => {
    // SMHasher's VerificationTest: hash the keys {}, {0}, {0,1}, … {0..254} with seed 256 - n,
    // hash the 256 results (h1..h4 little-endian each) with seed 0, read the first 4 bytes.
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(16 * 256);
    const view = new DataView(hashes.buffer);
    const out = new Int32Array(4);
    for (let n = 0; n < 256; n++) {
      key[n] = n;
      murmur3x86_128(key, 0, n, out, 256 - n);
      for (let j = 0; j < 4; j++) view.setInt32(16 * n + 4 * j, out[j] as number, true);
    }
    murmur3x86_128(hashes, 0, hashes.length, out, 0);
    expect((out[0] as number) >>> 0).toBe(0xb3ece62a);
  });

  it('hashes a range of a larger buffer as the same bytes alone', () => {
    const bytes = Buffer.from('x'.repeat(7) + 'the row\tits values\\N\n' + 'y'.repeat(9));
    const alone = Buffer.from('the row\tits values\\N\n');
    const a = new Int32Array(4);
    const b = new Int32Array(4);
    murmur3x86_128(bytes, 7, 7 + alone.length, a);
    murmur3x86_128(alone, 0, alone.length, b);
    expect([...a]).toEqual([...b]);
  });
});

describe('HashSum128', () => {
  it('adds modulo 2^128 with carries across all four limbs', () => {
    const sum = new HashSum128();
    sum.add(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
    sum.add(0, 0, 0, 2);
    expect(sum.format('x')).toBe(`x:${'0'.repeat(31)}1`);
    expect(sum.rows).toBe(2);
    const big = new HashSum128();
    let expected = 0n;
    for (let i = 0; i < 1000; i++) {
      const w = [0x9e3779b9 * i, 0x7f4a7c15 + i, -i, i << 20].map((x) => x | 0);
      big.add(w[0] as number, w[1] as number, w[2] as number, w[3] as number);
      expected += w.reduce((acc, x) => (acc << 32n) | BigInt(x >>> 0), 0n);
    }
    expect(big.format('x')).toBe(`x:${(expected % 2n ** 128n).toString(16).padStart(32, '0')}`);
  });

  it('counts a duplicated row (a sum, not XOR)', () => {
    const once = new HashSum128();
    once.add(1, 2, 3, 4);
    const twice = new HashSum128();
    twice.add(1, 2, 3, 4);
    twice.add(1, 2, 3, 4);
    expect(twice.format('x')).not.toBe(once.format('x'));
    expect(twice.format('x')).not.toBe(new HashSum128().format('x'));
  });
});

describe('chooseAlgorithm', () => {
  const known = ['e-v1', 'e-v2'] as const;
  it("takes the manifest's algorithm when known, else the current one", () => {
    expect(chooseAlgorithm('e-v1', known, 'e-v2')).toBe('e-v1');
    expect(chooseAlgorithm(undefined, known, 'e-v2')).toBe('e-v2');
  });
  it('refuses an unknown one with MANIFEST_INVALID and a hint', () => {
    try {
      chooseAlgorithm('e-v9', known, 'e-v2');
      expect.unreachable();
    } catch (err) {
      expect(isLifeboatError(err) && err.code).toBe('MANIFEST_INVALID');
      expect(String(err)).toMatch(/e-v9/);
    }
  });
});
