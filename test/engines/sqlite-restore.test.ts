import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { chunked, cliDump, cliRestore, dumpToString } from '../support/sqlite-dump-helpers.js';
import { never, targetIn, tempDir, withDb } from '../support/sqlite-fixtures.js';

const tmp = tempDir('lifeboat-restore-');
afterAll(tmp.cleanup);

const source = targetIn(tmp.dir, 'source.db');
cliRestore(
  source.database,
  `CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
   CREATE TABLE b(x, y);
   CREATE TRIGGER a_t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (new.id, 'trg'); END;
   WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO a(v) SELECT 'v' || i FROM n;`,
);

/** A target holding other content, and its `.dump` before the failed restore. */
function occupiedTarget(name: string) {
  const target = targetIn(tmp.dir, name);
  cliRestore(
    target.database,
    "CREATE TABLE keep(k); INSERT INTO keep VALUES ('precious'); CREATE VIEW kv AS SELECT * FROM keep;",
  );
  return { target, before: cliDump(target.database) };
}

async function failure(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; hint?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & { code?: string };
}

describe('sqlite restore is atomic', () => {
  test('a broken INSERT near the end fails with RESTORE_FAILED and leaves the target byte-identical', async () => {
    const { sql } = await dumpToString(sqliteEngine, source);
    const at = sql.lastIndexOf('INSERT INTO "a"');
    const broken = `${sql.slice(0, at)}INSERT INTO "a"("id","v") VALUES(1,'duplicate key');\n${sql.slice(at)}`;
    const { target, before } = occupiedTarget('broken.db');
    const error = await failure(
      sqliteEngine.restore(target, chunked(broken, 1 << 16), { signal: never() }),
    );
    expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
    expect(error.message).toMatch(
      /^restore failed at statement \d+: UNIQUE constraint failed: a\.id$/,
    );
    expect(error.hint).toContain('left as it was');
    expect(cliDump(target.database).equals(before)).toBe(true);
  });

  test('an abort mid-restore leaves the target byte-identical', async () => {
    const { sql } = await dumpToString(sqliteEngine, source);
    const { target, before } = occupiedTarget('aborted.db');
    const controller = new AbortController();
    let progressed = 0;
    const error = await failure(
      sqliteEngine.restore(target, chunked(sql, 4096), {
        signal: controller.signal,
        onProgress: (p) => {
          progressed = p.statements;
          if (p.statements > 1000) controller.abort();
        },
      }),
    );
    expect(isLifeboatError(error, 'ABORTED')).toBe(true);
    expect(progressed).toBeGreaterThan(1000);
    expect(cliDump(target.database).equals(before)).toBe(true);
  });

  test('a truncated dump, a dump that says ROLLBACK, or SQL garbage fail and change nothing', async () => {
    const { sql } = await dumpToString(sqliteEngine, source);
    const { target, before } = occupiedTarget('truncated.db');
    const cases = [
      sql.slice(0, sql.length - 'COMMIT;\n'.length), // cut at a statement boundary
      sql.slice(0, Math.floor(sql.length / 2)), // cut inside a statement
      sql.replace(/COMMIT;\n$/, 'ROLLBACK; -- due to errors\n'),
      `${sql.slice(0, 2000)}\u0000\u00ff garbage ;\n`,
    ];
    for (const text of cases) {
      const error = await failure(sqliteEngine.restore(target, chunked(text), { signal: never() }));
      expect(error.code).toBe('RESTORE_FAILED');
      expect(cliDump(target.database).equals(before)).toBe(true);
    }
  });

  test('a target created by a failed restore is removed again; a successful one stays', async () => {
    const { sql } = await dumpToString(sqliteEngine, source);
    const target = targetIn(tmp.dir, 'new.db');
    await failure(
      sqliteEngine.restore(target, chunked(`${sql.slice(0, 5000)}NOT SQL;`), { signal: never() }),
    );
    expect(existsSync(target.database)).toBe(false);
    const result = await sqliteEngine.restore(target, chunked(sql), { signal: never() });
    expect(result.tables.map((t) => [t.name, t.rows])).toEqual([
      ['a', 2000],
      ['b', 2000],
    ]);
    expect(cliDump(target.database).equals(cliDump(source.database))).toBe(true);
  });

  test('the triggers of a restored table do not fire during the load', async () => {
    const { sql } = await dumpToString(sqliteEngine, source);
    const target = targetIn(tmp.dir, 'triggers.db');
    await sqliteEngine.restore(target, chunked(sql), { signal: never() });
    withDb(target.database, (db) => {
      expect(db.prepare('SELECT count(*) FROM b').pluck().get()).toBe(2000n);
    });
  });

  test('a file that is not a database is DB_UNREACHABLE, for dump and restore', async () => {
    const bogus = targetIn(tmp.dir, 'bogus.db');
    writeFileSync(
      bogus.database,
      'this is not a database, just some text that is long enough '.repeat(20),
    );
    const dumpError = await failure(
      sqliteEngine.openDump(bogus, { schema: true, data: true }, { signal: never() }),
    );
    expect(dumpError.code).toBe('DB_UNREACHABLE');
    expect(dumpError.message).toContain('is not a sqlite database');
    const restoreError = await failure(
      sqliteEngine.restore(bogus, chunked('CREATE TABLE t(a);'), { signal: never() }),
    );
    expect(restoreError.code).toBe('DB_UNREACHABLE');
    expect(existsSync(bogus.database)).toBe(true);
  });
});
