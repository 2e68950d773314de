import { describe, expect, test } from 'vitest';
import { SqlSplitter } from '../../src/engines/sqlite/sqlite-splitter.js';
import { classifyStatement, decodeStatement } from '../../src/engines/sqlite/sqlite-statement.js';
import { realLiteral, textLiteral } from '../../src/engines/sqlite/sqlite-literals.js';

function split(sql: string | Buffer, size: number): { statements: string[]; rest: string | null } {
  const bytes = typeof sql === 'string' ? Buffer.from(sql) : sql;
  const splitter = new SqlSplitter();
  const statements: string[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    for (const s of splitter.push(bytes.subarray(i, i + size)))
      statements.push(s.toString().trim());
  }
  const rest = splitter.end();
  return { statements, rest: rest === null ? null : rest.toString() };
}

const TRICKY = [
  "INSERT INTO t VALUES('a;b', 'it''s;');",
  'CREATE TABLE "x;y"([a;b] TEXT, `c;d`);',
  '-- comment; with semicolon\nSELECT 1 /* ; */;',
  "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (CASE WHEN 1 THEN 'x;' END);\n  UPDATE t SET a = 1;\nEND;",
  'CREATE TEMP TRIGGER tt BEFORE DELETE ON t BEGIN SELECT 1; END;',
  "INSERT INTO t VALUES('😀 ünï; 表');",
  'SELECT 1-1;',
  'SELECT 4/2;',
];

describe('SqlSplitter', () => {
  test.each([1, 2, 3, 7, 1000])('splits tricky statements at chunk size %i', (size) => {
    const { statements, rest } = split(`${TRICKY.join('\n')}\n-- trailing comment`, size);
    expect(statements).toEqual(
      TRICKY.map((s) => s.replace(/^-- comment; with semicolon\n/, '-- comment; with semicolon\n')),
    );
    expect(rest).toBeNull();
  });

  test('reports an unfinished statement at the end', () => {
    expect(split("INSERT INTO t VALUES('unterminated;", 5).rest).toContain('unterminated');
    expect(split('CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;', 5).rest).toContain(
      'TRIGGER',
    );
    expect(split(';;  \n', 1)).toEqual({ statements: [], rest: null });
  });
});

describe('classifyStatement', () => {
  test.each([
    ['BEGIN TRANSACTION;', { kind: 'transaction', ends: false }],
    ['COMMIT;', { kind: 'transaction', ends: true }],
    ['END TRANSACTION;', { kind: 'transaction', ends: true }],
    ['ROLLBACK; -- due to errors', { kind: 'rollback' }],
    ['PRAGMA foreign_keys=OFF;', { kind: 'foreign-keys' }],
    ['PRAGMA ignore_check_constraints=ON;', { kind: 'check-constraints' }],
    ['PRAGMA writable_schema=ON;', { kind: 'writable-schema' }],
    [
      'CREATE TABLE IF NOT EXISTS "a ""b"""(x);',
      { kind: 'create-table', table: 'a "b"', virtual: false },
    ],
    [
      "CREATE TABLE main.'ft_data'(id);",
      { kind: 'create-table', table: 'ft_data', virtual: false },
    ],
    [
      'CREATE VIRTUAL TABLE ft USING fts5(a);',
      { kind: 'create-table', table: 'ft', virtual: true },
    ],
    [
      "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','ft','ft',0,'CREATE VIRTUAL TABLE ft USING fts5(a)');",
      { kind: 'create-table', table: 'ft', virtual: true },
    ],
    ['CREATE UNIQUE INDEX IF NOT EXISTS i ON [t t](a);', { kind: 'create-object', table: 't t' }],
    [
      'CREATE TRIGGER tr AFTER UPDATE OF a, b ON "T" BEGIN SELECT 1; END;',
      { kind: 'create-object', table: 'T' },
    ],
    ['CREATE VIEW v AS SELECT 1;', { kind: 'create-object', table: null }],
    ['INSERT INTO "we""ird"(rowid,"x") VALUES(1,2);', { kind: 'data', table: 'we"ird' }],
    ['INSERT OR REPLACE INTO t VALUES(1);', { kind: 'data', table: 't' }],
    ['DELETE FROM "t";', { kind: 'data', table: 't' }],
    ["INSERT INTO sqlite_sequence VALUES('t',5);", { kind: 'sequence', table: 't' }],
    ['DELETE FROM sqlite_sequence;', { kind: 'sequence-reset' }],
    ['ANALYZE sqlite_schema;', { kind: 'analyze-schema' }],
    ['ANALYZE t;', { kind: 'other' }],
    ["INSERT INTO sqlite_stat1 VALUES('t','t_i','2 1');", { kind: 'stat', table: 't' }],
  ])('%s', (sql, expected) => {
    expect(classifyStatement(sql)).toEqual(expected);
  });
});

describe('literals', () => {
  test('REAL literals read back as REAL with the same bits', () => {
    expect([1, 2.5, -0, 1e308, 5e-324, Infinity, -Infinity, 1e21].map(realLiteral)).toEqual([
      '1.0',
      '2.5',
      '-0.0',
      '1e+308',
      '5e-324',
      '1e999',
      '-1e999',
      '1e+21',
    ]);
  });

  test('TEXT that is not valid UTF-8 or holds NUL becomes CAST(X.. AS TEXT); decode rewrites raw bytes', () => {
    expect(textLiteral(Buffer.from("it's"))).toBe("'it''s'");
    expect(textLiteral(Buffer.from([0xff, 0x41]))).toBe("CAST(X'ff41' AS TEXT)");
    expect(textLiteral(Buffer.from('a\u0000b'))).toBe("CAST(X'610062' AS TEXT)");
    const raw = Buffer.concat([
      Buffer.from("INSERT INTO t VALUES('a''"),
      Buffer.from([0xff]),
      Buffer.from("', 'ok');"),
    ]);
    expect(decodeStatement(raw)).toBe("INSERT INTO t VALUES(CAST(X'6127ff' AS TEXT), 'ok');");
  });
});
