import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { HEX_MAX_BYTES, type ValueKind } from '../../src/engines/mysql/mysql-columns.js';
import { InsertEncoder, STATEMENT_CHARS } from '../../src/engines/mysql/mysql-insert-encoder.js';
import { valueLiteral } from '../../src/engines/mysql/mysql-literals.js';
import { TableChecksum, type ChecksumAlgorithm } from '../../src/engines/mysql/mysql-checksum.js';
import { murmur3x86_128 } from '../../src/engines/shared/row-hash.js';

/**
 * The dump as the string-built dumper wrote it, and the definition the encoder must match byte
 * for byte: statements end after the tuple that brings them to STATEMENT_CHARS UTF-16 units (a
 * `_binary` string's bytes one each), and a tuple of that length starts a statement of its own.
 */
function reference(prefix: string, kinds: ValueKind[], rows: (Buffer | null)[][]): Buffer {
  const out: Buffer[] = [];
  let statement: Buffer[] = [];
  let units = 0;
  const end = (): void => {
    if (statement.length > 0) out.push(...statement, Buffer.from(';\n'));
    statement = [];
    units = 0;
  };
  for (const values of rows) {
    const parts = values.map((v, i) => {
      const kind = kinds[i] ?? 'string';
      const bytes = valueLiteral(v, kind);
      const raw = kind === 'binary' && v !== null && v.length > HEX_MAX_BYTES;
      return { bytes, units: raw ? bytes.length : bytes.toString('utf8').length };
    });
    const tuple = Buffer.concat([
      Buffer.from('('),
      ...parts.flatMap((p, i) => (i === 0 ? [p.bytes] : [Buffer.from(','), p.bytes])),
      Buffer.from(')'),
    ]);
    const tupleUnits = 2 + Math.max(0, parts.length - 1) + parts.reduce((n, p) => n + p.units, 0);
    if (statement.length > 0 && tupleUnits >= STATEMENT_CHARS) end();
    if (statement.length === 0) {
      statement.push(Buffer.from(prefix, 'utf8'), tuple);
      units = prefix.length + tupleUnits;
    } else {
      statement.push(Buffer.from(','), tuple);
      units += 1 + tupleUnits;
    }
    if (units >= STATEMENT_CHARS) end();
  }
  end();
  return Buffer.concat(out);
}

function encode(prefix: string, kinds: ValueKind[], rows: (Buffer | null)[][]): Buffer {
  const encoder = new InsertEncoder(prefix, kinds);
  const chunks: Buffer[] = [];
  for (const values of rows) {
    encoder.addRow(values);
    if (encoder.full) chunks.push(encoder.take());
  }
  encoder.end();
  chunks.push(encoder.take());
  return Buffer.concat(chunks);
}

const b = (s: string, enc: BufferEncoding = 'utf8'): Buffer => Buffer.from(s, enc);

/**
 * `lifeboat-mysql-v1` as docs/mysql.md defines it: per row SHA-256 over NULL = byte 0, a
 * value = byte 1, 4-byte big-endian length, bytes; the first 16 bytes summed mod 2^128.
 */
function specV1(rows: readonly (readonly (Buffer | null)[])[]): string {
  let sum = 0n;
  for (const values of rows) {
    const parts = values.map((v) => {
      if (v === null) return Buffer.from([0]);
      const head = Buffer.alloc(5);
      head[0] = 1;
      head.writeUInt32BE(v.length, 1);
      return Buffer.concat([head, v]);
    });
    const digest = createHash('sha256').update(Buffer.concat(parts)).digest();
    sum = (sum + BigInt(`0x${digest.subarray(0, 16).toString('hex')}`)) % 2n ** 128n;
  }
  return `lifeboat-mysql-v1:${sum.toString(16).padStart(32, '0')}`;
}

/**
 * `lifeboat-mysql-v2` as docs/mysql.md defines it: per row MurmurHash3_x86_128 of the values as
 * length-encoded strings (shortest length form, NULL = 0xFB), h1..h4 as one 128-bit number,
 * summed mod 2^128.
 */
function specV2(rows: readonly (readonly (Buffer | null)[])[]): string {
  let sum = 0n;
  const h = new Int32Array(4);
  for (const values of rows) {
    const encoded = Buffer.concat(values.map((v) => packet([v])));
    murmur3x86_128(encoded, 0, encoded.length, h);
    sum += [...h].reduce((acc, w) => (acc << 32n) | BigInt(w >>> 0), 0n);
  }
  return `lifeboat-mysql-v2:${(sum % 2n ** 128n).toString(16).padStart(32, '0')}`;
}

/** A text-protocol row packet's payload: per value a length-encoded string, 0xFB for NULL. */
function packet(values: readonly (Buffer | null)[]): Buffer {
  const parts = values.map((v) => {
    if (v === null) return Buffer.from([0xfb]);
    const n = v.length;
    const head =
      n < 0xfb
        ? Buffer.from([n])
        : n < 0x10000
          ? Buffer.from([0xfc, n & 0xff, n >> 8])
          : n < 0x1000000
            ? Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16])
            : Buffer.from([
                0xfe,
                n & 0xff,
                (n >> 8) & 0xff,
                (n >> 16) & 0xff,
                n >>> 24,
                0,
                0,
                0,
                0,
              ]);
    return Buffer.concat([head, v]);
  });
  return Buffer.concat(parts);
}

describe('mysql insert encoder', () => {
  test('writes the bytes of valueLiteral for every kind and awkward value', () => {
    const kinds: ValueKind[] = ['number', 'hex', 'string', 'string'];
    const rows: (Buffer | null)[][] = [
      [b('-9223372036854775808'), b(''), b(''), null],
      [
        b('1.7976931348623157e308'),
        b('00ff0a0d5c27225a1a', 'hex'),
        b('q\'d"b\\n\0\n\r\x1a'),
        b('é'),
      ],
      [b('0'), Buffer.alloc(300, 0xab), b('emoji 😀👍🏽 ∑ Åçé'), b('\t')],
      // Not valid UTF-8: written as toString('utf8') decodes it, with U+FFFD.
      [
        null,
        null,
        Buffer.from([0x61, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x27]),
        Buffer.from([0xf0, 0x9f]),
      ],
      // A number the server never sends, read as latin1 all the same.
      [Buffer.from([0x31, 0xe9]), null, null, null],
    ];
    const prefix = 'INSERT INTO `tä` (`a`, `b`, `c`, `d`) VALUES ';
    expect(encode(prefix, kinds, rows).equals(reference(prefix, kinds, rows))).toBe(true);
  });

  test('breaks statements where the UTF-16 length reaches the limit, as before', () => {
    const kinds: ValueKind[] = ['number', 'string'];
    // 4-byte characters count two UTF-16 units, 3-byte ones one: the byte length would break elsewhere.
    const rows = Array.from({ length: 3000 }, (_, i) => [
      b(String(i)),
      b(i % 3 === 0 ? '😀'.repeat(300) : i % 3 === 1 ? '€'.repeat(500) : "x'".repeat(400)),
    ]);
    const prefix = 'INSERT INTO `t` (`id`, `s`) VALUES ';
    const out = encode(prefix, kinds, rows);
    expect(out.equals(reference(prefix, kinds, rows))).toBe(true);
    expect(out.toString('utf8').split(';\n').length).toBeGreaterThan(3);
  });

  test('binary values: hex up to HEX_MAX_BYTES, then _binary strings with raw bytes and escapes', () => {
    const kinds: ValueKind[] = ['binary', 'binary', 'hex'];
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const rows: (Buffer | null)[][] = [
      [Buffer.alloc(HEX_MAX_BYTES, 0xff), Buffer.alloc(HEX_MAX_BYTES + 1, 0x27), b('ff', 'hex')],
      [b(''), every, Buffer.alloc(300, 0xab)],
      [null, Buffer.concat([every, every]), null],
    ];
    const prefix = 'INSERT INTO `bin` (`a`, `b`, `c`) VALUES ';
    const out = encode(prefix, kinds, rows);
    expect(out.equals(reference(prefix, kinds, rows))).toBe(true);
    expect(
      out.includes(
        Buffer.from(
          `(0x${'ff'.repeat(HEX_MAX_BYTES)},_binary'${"\\'".repeat(HEX_MAX_BYTES + 1)}',0xff)`,
        ),
      ),
    ).toBe(true);
    // Every byte other than the seven escaped ones is written as it is.
    const letters = new Map([
      [0x00, 0x30],
      [0x0a, 0x6e],
      [0x0d, 0x72],
      [0x1a, 0x5a],
      [0x22, 0x22],
      [0x27, 0x27],
      [0x5c, 0x5c],
    ]);
    const expected = [...every].flatMap((c) => {
      const letter = letters.get(c);
      return letter === undefined ? [c] : [0x5c, letter];
    });
    const literal = Buffer.concat([b("_binary'"), Buffer.from(expected), b("'")]);
    expect(literal.length).toBe(8 + 256 + 7 + 1);
    expect(out.includes(Buffer.concat([b(`(${"''"},`), literal, b(',0x')]))).toBe(true);
  });

  test('a tuple of STATEMENT_CHARS units or more starts a statement of its own', () => {
    const kinds: ValueKind[] = ['number', 'binary', 'string'];
    const big = Buffer.alloc(STATEMENT_CHARS + 10, 0x61);
    const rows: (Buffer | null)[][] = [
      [b('1'), b('x'), b('small')],
      [b('2'), big, null],
      [b('3'), null, b('after')],
      [b('4'), null, Buffer.from('€'.repeat(STATEMENT_CHARS / 2))],
      [b('5'), null, Buffer.from('é'.repeat(STATEMENT_CHARS))],
    ];
    const prefix = 'INSERT INTO `big` (`id`, `b`, `s`) VALUES ';
    const viaRows = encode(prefix, kinds, rows);
    expect(viaRows.equals(reference(prefix, kinds, rows))).toBe(true);
    const statements = viaRows
      .toString('latin1')
      .split(';\n')
      .filter((x) => x !== '');
    expect(statements.map((x) => x.slice(prefix.length, prefix.length + 3))).toEqual([
      '(1,',
      '(2,',
      '(3,',
      '(5,',
    ]);
    // The same bytes from packets, as the dumper feeds them, with take() between rows.
    const encoder = new InsertEncoder(prefix, kinds);
    const chunks: Buffer[] = [];
    for (const values of rows) {
      const payload = packet(values);
      encoder.addPacket(payload, 0, payload.length);
      if (encoder.full) chunks.push(encoder.take());
    }
    encoder.end();
    chunks.push(encoder.take());
    expect(Buffer.concat(chunks).equals(viaRows)).toBe(true);
  });

  test('a table without stored columns writes empty tuples; text goes in between', () => {
    const encoder = new InsertEncoder('INSERT INTO `e` () VALUES ', []);
    encoder.addText('DELETE FROM `e`;\n');
    encoder.addRow([]);
    encoder.addRow([]);
    encoder.end();
    expect(encoder.take().toString()).toBe('DELETE FROM `e`;\nINSERT INTO `e` () VALUES (),();\n');
  });

  test('rows straight from packets give the bytes of valueLiteral and the documented checksum', () => {
    const kinds: ValueKind[] = ['number', 'hex', 'string', 'string'];
    const rows: (Buffer | null)[][] = [
      [b('-1'), b(''), b(''), null],
      [b('42'), Buffer.alloc(250, 1), b('x'.repeat(251)), b("it's 😀")],
      [null, Buffer.alloc(70_000, 0xfe), b('€'.repeat(30_000)), b('\0\n')],
      [b('3.5'), null, Buffer.from([0x61, 0xff, 0x27]), Buffer.alloc(0xfb, 0x41)],
    ];
    const prefix = 'INSERT INTO `p` (`a`, `b`, `c`, `d`) VALUES ';
    const encoder = new InsertEncoder(prefix, kinds);
    const chunks: Buffer[] = [];
    const checksums = (['lifeboat-mysql-v1', 'lifeboat-mysql-v2'] as ChecksumAlgorithm[]).map(
      (a) => new TableChecksum(a),
    );
    for (const values of rows) {
      // The payload sits inside a larger buffer, as in mysql2's socket chunks.
      const payload = packet(values);
      const buf = Buffer.concat([Buffer.from([9, 9, 9]), payload, Buffer.from([7])]);
      encoder.addPacket(buf, 3, 3 + payload.length);
      for (const c of checksums) c.addPacket(buf, 3, 3 + payload.length, values.length);
      if (encoder.full) chunks.push(encoder.take());
    }
    encoder.end();
    chunks.push(encoder.take());
    expect(Buffer.concat(chunks).equals(reference(prefix, kinds, rows))).toBe(true);
    expect(checksums.map((c) => c.rows)).toEqual([rows.length, rows.length]);
    expect(checksums.map(String)).toEqual([specV1(rows), specV2(rows)]);
    expect(new TableChecksum().algorithm).toBe('lifeboat-mysql-v2');
    for (const [algorithm, spec] of [
      ['lifeboat-mysql-v1', specV1],
      ['lifeboat-mysql-v2', specV2],
    ] as const) {
      const empty = new TableChecksum(algorithm);
      empty.addPacket(Buffer.from([1, 0x31]), 0, 2, 0); // `SELECT 1` of a table without columns
      empty.addPacket(Buffer.from([1, 0x31]), 0, 2, 0);
      expect(empty.toString()).toBe(spec([[], []]));
    }
  });
});
