import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { BATCH_BYTES } from '../../src/engines/sqlite/sqlite-batch.js';
import { TextBytes, type CellValue } from '../../src/engines/sqlite/sqlite-cell.js';
import { TableChecksum } from '../../src/engines/sqlite/sqlite-checksum.js';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { readRows } from '../../src/engines/sqlite/sqlite-rows.js';
import { tableShape } from '../../src/engines/sqlite/sqlite-schema.js';
import { SqlSplitter } from '../../src/engines/sqlite/sqlite-splitter.js';
import { StatementClassifier } from '../../src/engines/sqlite/sqlite-classifier.js';
import { classifyStatement } from '../../src/engines/sqlite/sqlite-statement.js';
import { chunked, cliDump, cliRestore, dumpToString } from '../support/sqlite-dump-helpers.js';
import { never, targetIn, tempDir, withDb } from '../support/sqlite-fixtures.js';

const tmp = tempDir('lifeboat-fast-');
afterAll(tmp.cleanup);

// Stored TEXT that better-sqlite3 can only hand over as a string with U+FFFD in it: invalid
// UTF-8 of several kinds, and valid text that holds U+FFFD itself.
const BAD_TEXT = [
  [0xff],
  [0xc0, 0x80], // overlong NUL
  [0xed, 0xa0, 0x80], // a surrogate, UTF-8 encoded
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0x61, 0xe2, 0x82], // cut short
  [0xef, 0xbf, 0xbd], // U+FFFD, valid
].map((bytes) => Buffer.from(bytes));

/** A database whose tables hold bad text in the middle, between rows of ordinary values. */
function mixedDatabase(name: string) {
  const target = targetIn(tmp.dir, name);
  withDb(target.database, (db) => {
    db.exec(`CREATE TABLE alias(id INTEGER PRIMARY KEY, v, w);
             CREATE TABLE hidden(v, w);
             CREATE TABLE keyed(k TEXT PRIMARY KEY, v) WITHOUT ROWID;`);
    for (const table of ['alias', 'hidden', 'keyed']) {
      const columns = table === 'keyed' ? '(k, v)' : '(v, w)';
      const insert = db.prepare(
        `INSERT INTO ${table}${columns} VALUES (?, ?)`.replace('?, ?', '?, CAST(? AS TEXT)'),
      );
      let n = 0;
      const ordinary = () => insert.run(`row ${++n}`, Buffer.from(`x${n}`));
      for (let i = 0; i < 3; i++) ordinary();
      for (const bytes of BAD_TEXT) {
        insert.run(`bad ${++n}`, bytes);
        ordinary();
      }
    }
  });
  return target;
}

/** The stored bytes of a TEXT value as {@link readRows} yields it. */
const textBytes = (v: CellValue | undefined): Buffer =>
  v instanceof TextBytes ? v.bytes : Buffer.from(String(v), 'utf8');

describe('reading rows', () => {
  test('text that a string cannot carry comes as its exact bytes, in rowid order', () => {
    const target = mixedDatabase('read.db');
    const expected: [string, Buffer][] = [];
    let n = 0;
    for (let i = 0; i < 3; i++) expected.push([`row ${++n}`, Buffer.from(`x${n}`)]);
    for (const bytes of BAD_TEXT) {
      expected.push([`bad ${++n}`, bytes]);
      expected.push([`row ${++n}`, Buffer.from(`x${n}`)]);
    }
    withDb(target.database, (db) => {
      for (const table of ['alias', 'hidden', 'keyed']) {
        const shape = tableShape(db, table);
        const rows = [...readRows(db, shape, true)];
        const got = rows.map((row): [string, Buffer] => [
          textBytes(row.at(-2)).toString(),
          textBytes(row.at(-1)),
        ]);
        // A WITHOUT ROWID table comes in key order; the others in insertion (rowid) order.
        const want =
          table === 'keyed' ? expected.toSorted((a, b) => (a[0] < b[0] ? -1 : 1)) : expected;
        expect(got).toEqual(want);
        if (shape.preserveRowid)
          expect(rows.map((row) => row[0])).toEqual(rows.map((_, i) => BigInt(i + 1)));
      }
    });
  });

  test('dump and restore keep such text byte for byte', async () => {
    const source = mixedDatabase('source.db');
    const restored = targetIn(tmp.dir, 'restored.db');
    const dumped = await dumpToString(sqliteEngine, source);
    const result = await sqliteEngine.restore(restored, chunked(dumped.sql, 1000), {
      signal: never(),
    });
    expect(cliDump(restored.database).equals(cliDump(source.database))).toBe(true);
    expect(result.tables).toEqual(dumped.tables);
  });
});

/** lifeboat-sqlite-v1 computed the slow, obvious way, as the reference. */
function referenceChecksum(rows: readonly (readonly CellValue[])[]): string {
  let sum = 0n;
  for (const row of rows) {
    const parts = row.map((v) => {
      const tagged = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), body]);
      const sized = (tag: number, body: Buffer) => {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(body.length);
        return tagged(tag, Buffer.concat([length, body]));
      };
      if (typeof v === 'bigint')
        return tagged(1, Buffer.from(BigInt.asUintN(64, v).toString(16).padStart(16, '0'), 'hex'));
      if (typeof v === 'number') {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(v);
        return tagged(2, b);
      }
      if (typeof v === 'string') return sized(3, Buffer.from(v, 'utf8'));
      if (v instanceof TextBytes) return sized(3, v.bytes);
      if (v === null) return Buffer.from([5]);
      return sized(4, v);
    });
    const digest = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    sum = (sum + BigInt(`0x${digest.slice(0, 32)}`)) % 2n ** 128n;
  }
  return `lifeboat-sqlite-v1:${sum.toString(16).padStart(32, '0')}`;
}

test('the checksum matches a reference implementation of lifeboat-sqlite-v1', () => {
  const rows: CellValue[][] = [
    [1n, -1n, 0n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 32n) - 1n],
    [0.1, -0, Infinity, null, 'ünï 😀', Buffer.from([0, 1, 2]), new TextBytes(Buffer.from([0xff]))],
    ['x'.repeat(5000), '', Buffer.alloc(0)],
  ];
  for (let i = 0; i < 300; i++) rows.push([BigInt(i * 7919 - 1e6), `row ${i}`, i / 7]);
  const checksum = new TableChecksum();
  for (const row of rows) {
    checksum.beginRow();
    for (const value of row) checksum.addValue(value);
    checksum.endRow();
  }
  expect(checksum.toString()).toBe(referenceChecksum(rows));
  expect(checksum.rows).toBe(rows.length);
});

test('a remembered classification is only reused for the same complete tokens', () => {
  const statements = [
    'INSERT INTO "t"(a) VALUES(1);',
    '\nINSERT INTO "t"(a) VALUES(2);',
    '\nINSERT INTO "t"(a) VALUES(3);',
    '\nINSERT INTO "a(b"(x) VALUES(1);',
    '\nINSERT INTO "a(c"(x) VALUES(1);',
    '\nINSERT INTO "a""b"(x) VALUES(1);',
    '\nINSERT INTO "a""c"(x) VALUES(1);',
    "\nINSERT INTO sqlite_sequence(name,seq) VALUES('t',1);",
    "\nINSERT INTO sqlite_sequence(name,seq) VALUES('u',2);",
    '\nINSERT INTO [t(](a) VALUES(1);',
    '\nINSERT INTO [t(x](a) VALUES(1);',
    '\nINSERT INTO t VALUES(1);',
    '\nINSERT INTO u VALUES(1);',
    '\n/* ( */ INSERT INTO v(a) VALUES(1);',
    '\nUPDATE t SET a = (1);',
    '\nDELETE FROM t WHERE (a);',
    '\nCREATE TABLE t2(a);',
    '\nINSERT INTO "t"(a) VALUES(4);',
  ];
  const classifier = new StatementClassifier();
  for (const sql of statements) {
    expect(classifier.classify(Buffer.from(sql), () => sql)).toEqual(classifyStatement(sql));
  }
});

test('the splitter skips literals and rows in bulk without missing a statement end', () => {
  const sql = [
    "INSERT INTO t VALUES(1-1,4/2,'--x','/*y',\"a;b\",[c;d],`e;f`);",
    'INSERT INTO t VALUES(2)--c;\n;',
    'INSERT INTO t VALUES(3)/* ; */;',
    `INSERT INTO t VALUES('${"it''s; ".repeat(500)}');`,
    'INSERT INTO t VALUES(-4);',
  ].join('\n');
  for (const size of [1, 2, 5, 64, 100_000]) {
    const splitter = new SqlSplitter();
    const bytes = Buffer.from(sql);
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += size)
      for (const s of splitter.push(bytes.subarray(i, i + size))) out.push(s.toString().trim());
    expect(splitter.end()).toBeNull();
    expect(out).toEqual([
      "INSERT INTO t VALUES(1-1,4/2,'--x','/*y',\"a;b\",[c;d],`e;f`);",
      'INSERT INTO t VALUES(2)--c;\n;',
      'INSERT INTO t VALUES(3)/* ; */;',
      `INSERT INTO t VALUES('${"it''s; ".repeat(500)}');`,
      'INSERT INTO t VALUES(-4);',
    ]);
  }
});

describe('batched restore', () => {
  /** CREATE TABLE, then `rows` INSERTs of which the one at statement `duplicateAt` repeats id 1. */
  function dumpWithDuplicate(rows: number, duplicateAt: number): string {
    const lines = ['BEGIN TRANSACTION;', 'CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);'];
    for (let id = 1; id <= rows; id++) {
      const key = lines.length + 1 === duplicateAt ? 1 : id; // BEGIN is statement 1
      lines.push(`INSERT INTO "a"("id","v") VALUES(${key},'value number ${id} of the batch');`);
    }
    lines.push('COMMIT;');
    return `${lines.join('\n')}\n`;
  }

  test.each([
    ['early in the first batch', 2000, 1500],
    ['in a later batch', Math.ceil((2.5 * BATCH_BYTES) / 50), Math.ceil((1.7 * BATCH_BYTES) / 50)],
  ])('a failing statement %s is named exactly and nothing is left', async (_where, rows, at) => {
    const target = targetIn(tmp.dir, `dup-${rows}.db`);
    cliRestore(target.database, "CREATE TABLE keep(k); INSERT INTO keep VALUES ('precious');");
    const before = cliDump(target.database);
    const error = await sqliteEngine
      .restore(target, chunked(dumpWithDuplicate(rows, at), 1 << 16), { signal: never() })
      .then(
        () => null,
        (e: unknown) => e as Error & { hint?: string },
      );
    expect(error?.message).toBe(
      `restore failed at statement ${at}: UNIQUE constraint failed: a.id`,
    );
    expect(error?.hint).toContain(`the statement begins "INSERT INTO "a"("id","v") VALUES(1,`);
    expect(cliDump(target.database).equals(before)).toBe(true);
  });
});
