import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CopyChecksum } from './postgres-checksum.js';
import { JS_SHA256_MAX, jsSha256Head, sha256Head } from './postgres-sha256.js';

const head = (data: Buffer): number[] => {
  const digest = createHash('sha256').update(data).digest();
  return [0, 1, 2, 3].map((i) => digest.readUInt32BE(4 * i));
};

describe('sha256Head', () => {
  it('matches OpenSSL for every length around the block and padding boundaries', () => {
    const out = [0, 0, 0, 0];
    for (let len = 0; len <= 2 * JS_SHA256_MAX + 70; len++) {
      const data = Buffer.alloc(len + 7);
      for (let i = 0; i < data.length; i++) data[i] = (i * 131 + len * 7) & 0xff;
      // An offset range inside a larger buffer, as the line splitter passes it.
      sha256Head(data, 3, 3 + len, out);
      expect(out, `length ${len}`).toEqual(head(data.subarray(3, 3 + len)));
    }
  });

  it('has a JavaScript SHA-256 that matches OpenSSL at every length up to 310 bytes', () => {
    const out = [0, 0, 0, 0];
    for (let len = 0; len <= 310; len++) {
      const data = Buffer.alloc(len + 7);
      for (let i = 0; i < data.length; i++) data[i] = (i * 131 + len * 7) & 0xff;
      jsSha256Head(data, 3, 3 + len, out);
      expect(out, `length ${len}`).toEqual(head(data.subarray(3, 3 + len)));
    }
  });

  it('keeps the lifeboat-postgres-v1 checksum (the definition written out)', () => {
    const lines = ['1\t2\tabc', '', 'x'.repeat(500), '\\N\t\u00e9\u{1f600}', 'y'.repeat(119)];
    // The v1 definition, written out: the first 16 digest bytes of each line summed mod 2^128.
    let sum = 0n;
    for (const l of lines)
      sum += BigInt(`0x${createHash('sha256').update(l).digest('hex').slice(0, 32)}`);
    const expected = `lifeboat-postgres-v1:${(sum % 2n ** 128n).toString(16).padStart(32, '0')}`;
    const whole = new CopyChecksum('lifeboat-postgres-v1');
    for (const l of lines) whole.addLine(Buffer.from(l));
    expect(whole.toString()).toBe(expected);
    expect(whole.rows).toBe(lines.length);
  });
});
