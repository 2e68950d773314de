import { test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { dumpToString, chunked, cliDump } from '../support/sqlite-dump-helpers.js';

test('smoke', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-'));
  const src = join(dir, 'a.db');
  execFileSync('sqlite3', [src, `CREATE TABLE t(a, b TEXT, c INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO t(a,b) VALUES('x'||char(10)||'y'||char(13), 'it''s'), (-0.0, 1e999), (5e-324, X'00ff'), (0.1, -9223372036854775808), (1.0, 1e308); CREATE VIRTUAL TABLE ft USING fts5(a); INSERT INTO ft VALUES('hi'); CREATE TABLE "we""ird"(x); INSERT INTO "we""ird" VALUES(CAST(X'ff00fe41' AS TEXT)); CREATE INDEX i ON t(a); CREATE VIEW v AS SELECT 1; CREATE TABLE h(x, y AS (x*2)); INSERT INTO h VALUES(3),(4); DELETE FROM h WHERE x=3;`]);
  const t = sqliteEngine.parseUrl(`sqlite:${src}`, dir);
  const d = await dumpToString(sqliteEngine, t);
  console.log(d.sql, d.tables);
  const r = sqliteEngine.parseUrl(`sqlite:${join(dir, 'r.db')}`, dir);
  const res = await sqliteEngine.restore(r, chunked(d.sql, 7), { signal: new AbortController().signal });
  console.log(res);
  expect(cliDump(r.database).toString()).toBe(cliDump(src).toString());
});
