import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import {
  byName,
  chunked,
  cliDump,
  cliRestore,
  dumpToString,
} from '../support/sqlite-dump-helpers.js';
import { never, targetIn, tempDir, withDb } from '../support/sqlite-fixtures.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
let counter = 0;
const fresh = (name: string) => targetIn(tmp.dir, `${name}-${++counter}.db`);

/** Dumps `source`, restores into a new file, and checks `.dump` bytes and summaries agree. */
async function roundTrip(source: ReturnType<typeof fresh>, chunkSize = 777) {
  const dumped = await dumpToString(sqliteEngine, source);
  const restored = fresh('restored');
  const result = await sqliteEngine.restore(restored, chunked(dumped.sql, chunkSize), {
    signal: never(),
  });
  expect(cliDump(restored.database).toString('latin1')).toBe(
    cliDump(source.database).toString('latin1'),
  );
  const original = await sqliteEngine.summarize(source, undefined, { signal: never() });
  const copy = await sqliteEngine.summarize(restored, undefined, { signal: never() });
  expect(byName(copy)).toEqual(byName(original));
  expect(byName(dumped.tables)).toEqual(byName(original));
  expect(byName(result.tables)).toEqual(byName(original));
  return { dumped, restored };
}

// Values: every storage class, the edges of each, and text that is not valid UTF-8.
type Value =
  | { kind: 'bind'; v: null | bigint | number | string | Buffer }
  | { kind: 'badtext'; bytes: Buffer };
const edgeInts = [-9223372036854775808n, 9223372036854775807n, 0n, -1n, 1n, 2n ** 53n + 1n];
const edgeReals = [
  -0,
  0,
  1e308,
  -1e308,
  5e-324,
  Infinity,
  -Infinity,
  1,
  0.1,
  1.5,
  -2.5e-10,
  2 ** 53,
  123456789.125,
];
const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant<Value>({ kind: 'bind', v: null }),
  fc.constantFrom(...edgeInts).map((v): Value => ({ kind: 'bind', v })),
  fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map((v): Value => ({ kind: 'bind', v })),
  fc.constantFrom(...edgeReals).map((v): Value => ({ kind: 'bind', v })),
  fc.double({ noNaN: true }).map((v): Value => ({ kind: 'bind', v })),
  fc.string({ unit: 'binary' }).map((v): Value => ({ kind: 'bind', v })),
  fc
    .constantFrom("it's", '"q"', 'a\nb\r\nc\r', '-- not a comment;', '/* x */ ;', '😀𝄞', 'END;', '')
    .map((v): Value => ({ kind: 'bind', v })),
  fc.uint8Array({ maxLength: 12 }).map((v): Value => ({ kind: 'bind', v: Buffer.from(v) })),
  fc.constant<Value>({ kind: 'bind', v: Buffer.from(Array.from({ length: 256 }, (_, i) => i)) }),
  fc.uint8Array({ minLength: 1, maxLength: 6 }).map((v): Value => ({
    kind: 'badtext',
    bytes: Buffer.concat([Buffer.from([0xff]), Buffer.from(v)]),
  })),
  fc.constant<Value>({ kind: 'badtext', bytes: Buffer.from('a\u0000b') }),
);
const identArb = fc.constantFrom(
  't',
  'select',
  'a b',
  'we"ird',
  "it's",
  'ünï',
  '表',
  '😀x',
  'order',
  '[x]',
  'rowid',
  'End',
);
const typeArb = fc.constantFrom('', 'INTEGER', 'TEXT', 'REAL', 'BLOB', 'NUMERIC', 'ANY');
const tableArb = fc.record({
  name: identArb,
  columns: fc.uniqueArray(fc.record({ name: identArb, type: typeArb }), {
    minLength: 1,
    maxLength: 4,
    selector: (c) => c.name.toLowerCase(),
  }),
  key: fc.constantFrom('none', 'integer-pk', 'without-rowid'),
  rows: fc.array(fc.array(valueArb, { minLength: 4, maxLength: 4 }), { maxLength: 8 }),
});

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

describe('sqlite dump/restore round trips', () => {
  test('generated schemas and data survive byte-for-byte (sqlite3 .dump) with equal summaries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tableArb, { minLength: 1, maxLength: 3 }), async (tables) => {
        const source = fresh('prop');
        withDb(source.database, (db) => {
          tables.forEach((t, i) => {
            const name = `${t.name}${i}`;
            const cols = t.columns.map((c) => `${q(c.name)} ${c.type}`);
            if (t.key !== 'none') cols.unshift(`"k" INTEGER PRIMARY KEY`);
            const suffix = t.key === 'without-rowid' ? ' WITHOUT ROWID' : '';
            db.exec(`CREATE TABLE ${q(name)}(${cols.join(', ')})${suffix}`);
            t.rows.forEach((row, r) => {
              const values = row.slice(0, t.columns.length);
              const names = t.columns.map((c) => q(c.name));
              const marks = values.map((v) => (v.kind === 'badtext' ? 'CAST(? AS TEXT)' : '?'));
              const params: unknown[] = values.map((v) => (v.kind === 'badtext' ? v.bytes : v.v));
              if (t.key !== 'none') {
                names.unshift('"k"');
                marks.unshift('?');
                params.unshift(BigInt(r * 3 + 1));
              }
              db.prepare(
                `INSERT INTO ${q(name)}(${names.join(',')}) VALUES(${marks.join(',')})`,
              ).run(...params);
            });
            // Holes in the hidden rowid must survive too.
            if (t.key === 'none' && t.rows.length > 2)
              db.exec(`DELETE FROM ${q(name)} WHERE rowid = 2`);
          });
        });
        await roundTrip(source, 1 + (counter % 300));
      }),
      { numRuns: 40 },
    );
  });

  test('WITHOUT ROWID, AUTOINCREMENT, generated columns, views, triggers, indexes, FTS5, foreign keys', async () => {
    const source = fresh('features');
    withDb(source.database, (db) => {
      db.exec(`
        CREATE TABLE parent(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, qty INTEGER,
          twice INTEGER GENERATED ALWAYS AS (qty * 2) VIRTUAL, label TEXT AS (upper(name)) STORED);
        CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE, v);
        CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
        CREATE TABLE empty(a, b);
        CREATE TABLE desc_key(id INTEGER PRIMARY KEY DESC, v);
        CREATE TABLE "rowid"(rowid, _rowid_, oid);
        CREATE TABLE audit(at INTEGER, what TEXT);
        CREATE INDEX child_partial ON child(v) WHERE v IS NOT NULL;
        CREATE INDEX parent_expr ON parent(lower(name), qty + 1);
        CREATE VIEW parent_names AS SELECT name FROM parent;
        CREATE TRIGGER parent_audit AFTER INSERT ON parent BEGIN
          INSERT INTO audit VALUES (new.id, 'insert; "quoted" ' || CASE WHEN new.qty > 1 THEN 'many' ELSE 'one' END);
        END;
        CREATE TRIGGER view_insert INSTEAD OF INSERT ON parent_names BEGIN SELECT 1; END;
        CREATE VIRTUAL TABLE docs USING fts5(title, body);
        INSERT INTO parent(name, qty) VALUES ('a', 1), ('b', 2), ('c', 3);
        DELETE FROM parent WHERE name = 'c';
        INSERT INTO child VALUES (1, 1, NULL), (2, 2, 'x'), (3, 1, 3.5);
        INSERT INTO kv VALUES ('b', x'00'), ('a', x'ff');
        INSERT INTO desc_key VALUES (5, 'five'), (-3, 'minus three');
        INSERT INTO "rowid" VALUES (1, 2, 3), (1, 2, 3);
        INSERT INTO docs VALUES ('hello', 'world of text'), ('second', 'more words; and quotes''');
      `);
    });
    const { dumped, restored } = await roundTrip(source);
    expect(dumped.sql).toContain(
      "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','docs'",
    );
    expect(dumped.sql).toContain('INSERT INTO "parent"("id","name","qty") VALUES(1,');
    withDb(restored.database, (db) => {
      expect(db.prepare("SELECT title FROM docs WHERE docs MATCH 'world'").pluck().all()).toEqual([
        'hello',
      ]);
      expect(
        db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'parent'").pluck().get(),
      ).toBe(3n);
      expect(db.prepare('SELECT twice, label FROM parent WHERE id = 2').raw().get()).toEqual([
        4n,
        'B',
      ]);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // INTEGER PRIMARY KEY DESC is no rowid alias: the hidden rowid is kept beside it.
      expect(db.prepare('SELECT rowid, id FROM desc_key ORDER BY rowid').raw().all()).toEqual([
        [1n, 5n],
        [2n, -3n],
      ]);
    });
  });

  test('user_version and application_id come back with a whole-database restore, not a selective one', async () => {
    const source = fresh('versioned');
    withDb(source.database, (db) => {
      db.exec('CREATE TABLE a (x); CREATE TABLE b (y); INSERT INTO a VALUES (1);');
      db.pragma('user_version = 42');
      db.pragma('application_id = -123456');
    });
    const pragmas = (path: string): unknown[] =>
      withDb(path, (db) => [
        db.pragma('user_version', { simple: true }),
        db.pragma('application_id', { simple: true }),
      ]);
    const { dumped, restored } = await roundTrip(source);
    expect(dumped.sql).toContain('PRAGMA user_version=42;\nPRAGMA application_id=-123456;\n');
    expect(pragmas(restored.database)).toEqual(pragmas(source.database));
    expect(pragmas(restored.database)).toEqual([42n, -123456n]);

    // A selective restore leaves the target's own.
    const other = fresh('other');
    withDb(other.database, (db) => db.pragma('user_version = 7'));
    await sqliteEngine.restore(other, chunked(dumped.sql), { signal: never(), tables: ['a'] });
    expect(pragmas(other.database)).toEqual([7n, 0n]);

    // A whole-database restore of a dump without them (both 0 at the source) resets the
    // target's: the restored schema is the source's, not the version the target was at.
    const unversioned = fresh('unversioned');
    withDb(unversioned.database, (db) => db.exec('CREATE TABLE a (x)'));
    const plain = await roundTrip(unversioned);
    expect(plain.dumped.sql).not.toContain('PRAGMA user_version');
    withDb(other.database, (db) => db.pragma('application_id = 99'));
    await sqliteEngine.restore(other, chunked(plain.dumped.sql), { signal: never() });
    expect(pragmas(other.database)).toEqual([0n, 0n]);

    // A whole-database restore that fails leaves them as they were: the reset is part of the
    // restore's transaction.
    withDb(other.database, (db) => db.pragma('user_version = 5'));
    const cut = plain.dumped.sql.replace('COMMIT;\n', '');
    await expect(
      sqliteEngine.restore(other, chunked(cut), { signal: never() }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    expect(pragmas(other.database)).toEqual([5n, 0n]);
  });

  test('rows that break a CHECK constraint (kept under ignore_check_constraints) come back', async () => {
    const source = fresh('checks');
    withDb(source.database, (db) => {
      db.exec('CREATE TABLE c (id INTEGER PRIMARY KEY, v INT CHECK (v > 0))');
      db.pragma('ignore_check_constraints = ON');
      db.exec('INSERT INTO c VALUES (1, -1), (2, 5)');
    });
    // roundTrip compares the restored copy's .dump with the source's: both rows are there.
    const { dumped } = await roundTrip(source);
    // The sqlite3 shell restores the dump too, and the restore leaves the setting as it was.
    const shell = fresh('checks-shell');
    cliRestore(shell.database, dumped.sql);
    expect(cliDump(shell.database).toString()).toContain('INSERT INTO c VALUES(1,-1);');
    const target = fresh('checks-target');
    await sqliteEngine.restore(target, chunked(dumped.sql), { signal: never() });
    withDb(target.database, (db) => {
      expect(db.pragma('ignore_check_constraints', { simple: true })).toBe(0n);
      expect(() => db.exec('INSERT INTO c VALUES (3, -3)')).toThrow(/CHECK constraint failed/);
    });
  });

  test('edge literals: -0.0, infinities, extreme integers, integral reals stay REAL', async () => {
    const source = fresh('literals');
    withDb(source.database, (db) => {
      db.exec('CREATE TABLE v(x)');
      const insert = db.prepare('INSERT INTO v VALUES (?)');
      for (const x of [
        -0,
        1,
        1e308,
        5e-324,
        Infinity,
        -Infinity,
        -9223372036854775808n,
        9223372036854775807n,
        2.0,
      ]) {
        insert.run(x);
      }
    });
    const { dumped, restored } = await roundTrip(source);
    expect(dumped.sql).toContain(',-0.0);');
    expect(dumped.sql).toContain(',1e999);');
    expect(dumped.sql).toContain(',-1e999);');
    expect(dumped.sql).toContain(',2.0);');
    expect(dumped.sql).toContain(',-9223372036854775808);');
    withDb(restored.database, (db) => {
      const rows = db.prepare('SELECT typeof(x), x FROM v ORDER BY rowid').raw().all() as [
        string,
        unknown,
      ][];
      expect(rows.map((r) => r[0])).toEqual([
        'real',
        'real',
        'real',
        'real',
        'real',
        'real',
        'integer',
        'integer',
        'real',
      ]);
      expect(Object.is(rows[0]?.[1], -0)).toBe(true);
    });
  });

  test('a 100k-row table streams in bounded chunks and round trips', async () => {
    const source = fresh('large');
    withDb(source.database, (db) => {
      db.exec(`CREATE TABLE big(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
        INSERT INTO big SELECT i, 'name ' || i, i / 7.0, randomblob(16) FROM n;`);
    });
    let writes = 0;
    let largest = 0;
    const dumped = await dumpToString(sqliteEngine, source, undefined, {
      onWrite: (text) => {
        writes++;
        largest = Math.max(largest, text.length);
      },
    });
    expect(writes).toBeGreaterThan(50);
    expect(largest).toBeLessThan(70 * 1024);
    const restored = fresh('large-restored');
    const result = await sqliteEngine.restore(restored, chunked(dumped.sql, 65536), {
      signal: never(),
    });
    expect(result.tables).toEqual(dumped.tables);
    expect(result.tables[0]?.rows).toBe(100000);
    expect(cliDump(restored.database).equals(cliDump(source.database))).toBe(true);
  });
});
