import { afterAll, describe, expect, test } from 'vitest';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import {
  byName,
  chunked,
  cliDump,
  cliRestore,
  dumpToString,
} from '../support/sqlite-dump-helpers.js';
import { never, targetIn, tempDir, withDb } from '../support/sqlite-fixtures.js';

const tmp = tempDir('lifeboat-interop-');
afterAll(tmp.cleanup);

// REALs here have at most 15 significant digits: the sqlite3 3.40 CLI's text-to-double
// conversion is not correctly rounded for some 17-digit values (lifeboat's own restore is).
const FIXTURE = `
  CREATE TABLE users(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, bio TEXT, score REAL, avatar BLOB);
  CREATE TABLE "odd ""name"""("sp ace", [br], \`bt\`) ;
  CREATE TABLE tags(tag TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
  CREATE TABLE log(at, msg);
  CREATE INDEX users_name ON users(name) WHERE bio IS NOT NULL;
  CREATE VIEW v_users AS SELECT id, name FROM users;
  CREATE TRIGGER users_log AFTER UPDATE ON users BEGIN INSERT INTO log VALUES (1, 'x;y'); END;
  CREATE VIRTUAL TABLE search USING fts5(body);
  INSERT INTO users(name, bio, score, avatar) VALUES
    ('ann', 'line1' || char(10) || 'line2' || char(13), 1.5, x'00ff10'),
    ('bob', NULL, -0.25, NULL),
    ('cé😀', 'it''s "quoted" -- not a comment /* nor this */', 1e300, x''),
    ('dan', CAST(x'ff41' AS TEXT), 3.0, zeroblob(3));
  DELETE FROM users WHERE name = 'bob';
  INSERT INTO "odd ""name""" VALUES (1, 2.5, 'three'), (-9223372036854775808, 9223372036854775807, NULL);
  INSERT INTO tags VALUES ('b', 2), ('a', 1);
  INSERT INTO search VALUES ('hello world'), ('goodbye; world');
  ANALYZE;
`;

describe('interop with the sqlite3 CLI', () => {
  const source = targetIn(tmp.dir, 'source.db');
  cliRestore(source.database, FIXTURE);

  test('sqlite3 new.db < lifeboat dump restores the same database', async () => {
    const dumped = await dumpToString(sqliteEngine, source);
    const copy = targetIn(tmp.dir, 'cli-restored.db');
    cliRestore(copy.database, dumped.sql);
    expect(cliDump(copy.database).toString('latin1')).toBe(
      cliDump(source.database).toString('latin1'),
    );
    expect(byName(await sqliteEngine.summarize(copy, undefined, { signal: never() }))).toEqual(
      byName(dumped.tables),
    );
  });

  test('lifeboat restores sqlite3 .dump output (writable_schema, replace(...char(10)), raw bytes)', async () => {
    const cli = cliDump(source.database);
    expect(cli.toString('latin1')).toContain('char(10)');
    expect(sqliteEngine.sniff(cli.subarray(0, 100).toString())).toBe(true);
    const copy = targetIn(tmp.dir, 'lifeboat-restored.db');
    await sqliteEngine.restore(copy, chunked(cli, 64), { signal: never() });
    expect(cliDump(copy.database).equals(cli)).toBe(true);
    const original = await sqliteEngine.summarize(source, undefined, { signal: never() });
    expect(byName(await sqliteEngine.summarize(copy, undefined, { signal: never() }))).toEqual(
      byName(original),
    );
    withDb(copy.database, (db) => {
      expect(
        db.prepare("SELECT count(*) FROM search WHERE search MATCH 'world'").pluck().get(),
      ).toBe(2n);
    });
  });

  test('planner statistics (sqlite_stat1) survive, also in a selective restore', async () => {
    const dumped = await dumpToString(sqliteEngine, source);
    expect(dumped.sql).toContain('ANALYZE sqlite_schema;\n');
    const stats = (path: string): unknown[] =>
      withDb(path, (db) =>
        db.prepare('SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx').raw().all(),
      );
    const copy = targetIn(tmp.dir, 'stats.db');
    await sqliteEngine.restore(copy, chunked(dumped.sql), { signal: never() });
    expect(stats(copy.database)).toEqual(stats(source.database));
    expect(stats(copy.database)).toContainEqual(['users', 'users_name', expect.any(String)]);

    // A selective restore replaces the users table's statistics and keeps the others'.
    withDb(copy.database, (db) =>
      db.exec("UPDATE sqlite_stat1 SET stat = '1 1' WHERE tbl = 'tags'"),
    );
    withDb(copy.database, (db) => db.exec('DROP INDEX users_name'));
    await sqliteEngine.restore(copy, chunked(dumped.sql), { signal: never(), tables: ['users'] });
    const after = stats(copy.database);
    const tagRows = after.filter((r) => (r as unknown[])[0] === 'tags');
    expect(tagRows.length).toBeGreaterThan(0);
    for (const row of tagRows) expect((row as unknown[])[2]).toBe('1 1');
    expect(after.filter((r) => (r as unknown[])[0] === 'users')).toEqual(
      stats(source.database).filter((r) => (r as unknown[])[0] === 'users'),
    );
  });

  test('sqlite_stat4 of a STAT4 build is left out, so sqlite3 without STAT4 restores the dump', async () => {
    const path = targetIn(tmp.dir, 'stat4.db');
    withDb(path.database, (db) => {
      db.exec('CREATE TABLE t(a INTEGER, b TEXT); CREATE INDEX t_b ON t(b);');
      db.exec(
        "INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) SELECT i, 'v' || (i % 7) FROM n",
      );
      db.exec('ANALYZE');
      // better-sqlite3 is built with SQLITE_ENABLE_STAT4; Debian's sqlite3 is not.
      expect(db.prepare('SELECT count(*) FROM sqlite_stat4').pluck().get()).toBeGreaterThan(0n);
    });
    const dumped = await dumpToString(sqliteEngine, path);
    expect(dumped.sql).not.toContain('sqlite_stat4');
    const copy = targetIn(tmp.dir, 'stat4-cli.db');
    cliRestore(copy.database, dumped.sql);
    expect(cliDump(copy.database).toString()).toContain(
      "INSERT INTO sqlite_stat1 VALUES('t','t_b',",
    );
  });

  test('lifeboat restores the unistr() form newer sqlite3 versions write', async () => {
    const sql = [
      'PRAGMA foreign_keys=OFF;',
      'BEGIN TRANSACTION;',
      'CREATE TABLE t(a);',
      "INSERT INTO t VALUES(unistr('a\\000ab\\000dc'));",
      "INSERT INTO t VALUES(replace(replace('x\\ny\\r','\\r',char(13)),'\\n',char(10)));",
      'COMMIT;',
      '',
    ].join('\n');
    const copy = targetIn(tmp.dir, 'unistr.db');
    await sqliteEngine.restore(copy, chunked(sql), { signal: never() });
    withDb(copy.database, (db) => {
      expect(db.prepare('SELECT a FROM t ORDER BY rowid').pluck().all()).toEqual([
        'a\nb\rc',
        'x\ny\r',
      ]);
    });
  });
});
