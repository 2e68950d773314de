import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyLines, copyRows } from '../../src/engines/postgres/postgres-copy-rows.js';
import { HashSum128, murmur3x86_128 } from '../../src/engines/shared/row-hash.js';
import { compileCopyRows } from '../../scripts/wasm-compile.mjs';

const committed = readFileSync(
  new URL('../../src/engines/postgres/postgres-copy-rows-wasm.ts', import.meta.url),
  'utf8',
);

/** CopyData messages ('d', big-endian length, the row and its newline) of `rows`. */
function frame(rows: readonly Uint8Array[]): Buffer {
  return Buffer.concat(
    rows.flatMap((row) => {
      const header = Buffer.alloc(5);
      header[0] = 0x64;
      header.writeUInt32BE(row.length + 5, 1);
      return [header, row, Buffer.from('\n')];
    }),
  );
}

/** What the JavaScript path computes for `rows`: the reference the module must equal. */
function reference(rows: readonly Uint8Array[]): string {
  const sum = new HashSum128();
  const words = new Int32Array(4);
  for (const row of rows) {
    murmur3x86_128(row, 0, row.length, words);
    sum.add(words[0] as number, words[1] as number, words[2] as number, words[3] as number);
  }
  return `${sum.format('v2')} ${sum.rows}`;
}

/** Runs copyRows over `bytes` from `start`, as CopyOutQuery does with one read. */
function run(bytes: Buffer, start = 0, keep = true) {
  const chunk = Buffer.from(bytes);
  const sum = new HashSum128();
  const result = copyRows(chunk, start, chunk.length, keep, start, sum);
  return {
    ...result,
    sum: `${sum.format('v2')} ${sum.rows}`,
    text: chunk.subarray(start, start + result.written),
  };
}

const rowArb = fc.uint8Array({ minLength: 0, maxLength: 700, size: 'max' }).map((row) => {
  // A COPY line never holds its terminator: the server escapes newlines as \n.
  for (let i = 0; i < row.length; i++) if (row[i] === 0x0a) row[i] = 0x5c;
  return row;
});

describe('copy-rows WebAssembly module', () => {
  it('is the compilation of postgres-copy-rows.wat (run `node scripts/build-wasm.mjs` after editing it)', async () => {
    const bytes = await compileCopyRows();
    expect(committed).toContain(`'${bytes.toString('base64')}'`);
  });

  it('hashes every row length around the 16-byte blocks as the JavaScript MurmurHash3 does', () => {
    const rows = Array.from({ length: 80 }, (_, n) =>
      Uint8Array.from({ length: n }, (_v, i) => (i * 37 + n) & 0xff || 1),
    );
    const got = run(frame(rows));
    expect(got.sum).toBe(reference(rows));
    expect(got.rows).toBe(80);
    expect(got.consumed).toBe(frame(rows).length);
    expect(got.text).toEqual(Buffer.concat(rows.flatMap((r) => [r, Buffer.from('\n')])));
  });

  it('equals the JavaScript path on random rows, stopping at a cut message and at other messages', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 60, size: 'medium' }),
        fc.nat(),
        fc.boolean(),
        (rows, cutAt, keep) => {
          const whole = frame(rows);
          // Whatever the cut, the rows before it are taken and the one it splits is left.
          const cut = whole.length === 0 ? 0 : cutAt % (whole.length + 1);
          const got = run(whole.subarray(0, cut), 0, keep);
          let taken = 0;
          let bytes = 0;
          while (taken < rows.length && bytes + (rows[taken] as Uint8Array).length + 6 <= cut) {
            bytes += (rows[taken] as Uint8Array).length + 6;
            taken++;
          }
          expect(got.consumed).toBe(bytes);
          expect(got.sum).toBe(reference(rows.slice(0, taken)));
          expect(got.written).toBe(keep ? bytes - 5 * taken : 0);
          // A CopyDone after the rows stops the run there too.
          const done = run(Buffer.concat([whole, Buffer.from([0x63, 0, 0, 0, 4])]));
          expect(done.consumed).toBe(whole.length);
          expect(done.sum).toBe(reference(rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('grows its memory for reads larger than it has, and starts where it is told', () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      Buffer.from(`${i}\t${'x'.repeat(i % 300)}`),
    );
    const framed = Buffer.concat([Buffer.from('prefix'), frame(rows)]);
    expect(framed.length).toBeGreaterThan(256 * 1024);
    const got = run(framed, 6);
    expect(got.sum).toBe(reference(rows));
    expect(got.text.toString()).toBe(rows.map((r) => `${r}\n`).join(''));
  });

  it('stops at a row without its newline and says so', () => {
    const good = frame([Buffer.from('a\tb')]);
    const bad = Buffer.from([0x64, 0, 0, 0, 7, 0x61, 0x62, 0x63]);
    const got = run(Buffer.concat([good, bad, good]));
    expect(got).toMatchObject({ consumed: good.length, rows: 1, badRow: true });
    const empty = run(Buffer.from([0x64, 0, 0, 0, 4]));
    expect(empty).toMatchObject({ consumed: 0, rows: 0, badRow: true });
  });

  it('hashes the newline-ended lines of a COPY block as the JavaScript path does, CRLF ends too', () => {
    const lineArb = fc.tuple(rowArb, fc.boolean()).map(([row, crlf]) => ({ row, crlf }));
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 60, size: 'medium' }),
        fc.nat(),
        (lines, cutAt) => {
          // A CR inside a value is written \r by COPY; only a line's end may carry one.
          const rows = lines.map(({ row }) => row.map((b) => (b === 0x0d ? 0x5c : b)));
          const text = Buffer.concat(
            rows.flatMap((row, i) => [row, Buffer.from(lines[i]?.crlf ? '\r\n' : '\n')]),
          );
          const cut = cutAt % (text.length + 1);
          const sum = new HashSum128();
          const consumed = copyLines(Buffer.concat([Buffer.from('xx'), text]), 2, cut + 2, sum);
          const whole = text.subarray(0, cut).lastIndexOf(0x0a) + 1;
          expect(consumed).toBe(whole);
          const taken = text.subarray(0, whole).filter((b) => b === 0x0a).length;
          expect(`${sum.format('v2')} ${sum.rows}`).toBe(reference(rows.slice(0, taken)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes an empty line at the very start of its memory (no read before it)', () => {
    const sum = new HashSum128();
    expect(copyLines(Buffer.from('\n\r\nab\n'), 0, 6, sum)).toBe(6);
    expect(`${sum.format('v2')} ${sum.rows}`).toBe(
      reference([Buffer.alloc(0), Buffer.alloc(0), Buffer.from('ab')]),
    );
  });
});
