import { describe, expect, test } from 'vitest';
import type { ValueKind } from '../../src/engines/mysql/mysql-columns.js';
import { InsertEncoder, STATEMENT_CHARS } from '../../src/engines/mysql/mysql-insert-encoder.js';
import { valueLiteral } from '../../src/engines/mysql/mysql-literals.js';

/** The dump as the string-built dumper wrote it: the definition the encoder must match byte for byte. */
function reference(prefix: string, kinds: ValueKind[], rows: (Buffer | null)[][]): Buffer {
  let out = '';
  let statement = '';
  for (const values of rows) {
    const tuple = `(${values.map((v, i) => valueLiteral(v, kinds[i] ?? 'string')).join(',')})`;
    statement = statement === '' ? prefix + tuple : `${statement},${tuple}`;
    if (statement.length >= STATEMENT_CHARS) {
      out += `${statement};\n`;
      statement = '';
    }
  }
  if (statement !== '') out += `${statement};\n`;
  return Buffer.from(out, 'utf8');
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

  test('a table without stored columns writes empty tuples; text goes in between', () => {
    const encoder = new InsertEncoder('INSERT INTO `e` () VALUES ', []);
    encoder.addText('DELETE FROM `e`;\n');
    encoder.addRow([]);
    encoder.addRow([]);
    encoder.end();
    expect(encoder.take().toString()).toBe('DELETE FROM `e`;\nINSERT INTO `e` () VALUES (),();\n');
  });
});
