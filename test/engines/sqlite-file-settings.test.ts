import { afterAll, describe, expect, test } from 'vitest';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { sqlite3, sqliteDump } from '../support/sqlite-cli.js';
import { chunked, cliRestore, dumpToString } from '../support/sqlite-dump-helpers.js';
import { never, targetIn, tempDir } from '../support/sqlite-fixtures.js';

const tmp = tempDir('lifeboat-file-settings-');
afterAll(tmp.cleanup);

/** The settings of a file as the sqlite3 CLI reads them: the oracle. */
function settings(path: string): string {
  return sqlite3(
    path,
    'PRAGMA page_size; PRAGMA auto_vacuum; PRAGMA encoding; PRAGMA journal_mode;',
  ).trim();
}

/** A file with none of the defaults: 8 KiB pages, incremental auto-vacuum, UTF-16le, WAL. */
function makeSource(name: string): string {
  const path = targetIn(tmp.dir, name).database;
  sqlite3(
    path,
    `PRAGMA page_size=8192; PRAGMA auto_vacuum=INCREMENTAL; PRAGMA encoding='UTF-16le';
     CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);
     INSERT INTO notes(body) SELECT 'note ' || value || ' é😀' FROM generate_series(1, 2000);
     CREATE INDEX notes_body ON notes(body);
     PRAGMA journal_mode=WAL;`,
  );
  return path;
}

const SOURCE_SETTINGS = '8192\n2\nUTF-16le\nwal';

describe('SQLite file settings: page size, auto-vacuum, encoding, WAL', () => {
  const source = makeSource('source.db');
  const dumped = dumpToString(sqliteEngine, targetIn(tmp.dir, 'source.db'));

  test('the source is what the test means it to be', () => {
    expect(settings(source)).toBe(SOURCE_SETTINGS);
  });

  test('a restore into a new file has the source settings, and sqlite3 < dump too', async () => {
    const { sql } = await dumped;
    const fresh = targetIn(tmp.dir, 'fresh.db');
    const result = await sqliteEngine.restore(fresh, chunked(sql), { signal: never() });
    expect(result.warnings).toEqual([]);
    expect(settings(fresh.database)).toBe(SOURCE_SETTINGS);
    expect(sqliteDump(fresh.database)).toBe(sqliteDump(source));

    const viaCli = targetIn(tmp.dir, 'cli.db').database;
    cliRestore(viaCli, sql);
    expect(settings(viaCli)).toBe(SOURCE_SETTINGS);
    expect(sqliteDump(viaCli)).toBe(sqliteDump(source));
  });

  test('a restore over an existing file rebuilds it with the source page size and auto-vacuum and turns WAL on', async () => {
    const { sql } = await dumped;
    const existing = targetIn(tmp.dir, 'existing.db');
    sqlite3(existing.database, 'CREATE TABLE old(x); INSERT INTO old VALUES (1);');
    expect(settings(existing.database)).toBe('4096\n0\nUTF-8\ndelete');
    const result = await sqliteEngine.restore(existing, chunked(sql), { signal: never() });
    expect(settings(existing.database)).toBe('8192\n2\nUTF-8\nwal');
    expect(sqliteDump(existing.database)).toBe(sqliteDump(source));
    // The encoding of a file is fixed at its creation: the user is told, the values are equal.
    expect(result.warnings).toEqual([
      expect.stringMatching(/^the source stored text as UTF-16LE; the existing target keeps UTF-8/),
    ]);
    expect(sqlite3(existing.database, 'PRAGMA integrity_check;').trim()).toBe('ok');
  });

  test('a WAL target with another page size gets the page size and stays WAL', async () => {
    const plainSource = targetIn(tmp.dir, 'plain.db');
    sqlite3(
      plainSource.database,
      'PRAGMA page_size=2048; CREATE TABLE t(x); INSERT INTO t VALUES (42);',
    );
    const { sql } = await dumpToString(sqliteEngine, plainSource);
    const walTarget = targetIn(tmp.dir, 'wal-target.db');
    sqlite3(walTarget.database, 'PRAGMA journal_mode=WAL; CREATE TABLE t(x);');
    const result = await sqliteEngine.restore(walTarget, chunked(sql), { signal: never() });
    expect(result.warnings).toEqual([]);
    // The source was not in WAL: the restore does not take the target out of it.
    expect(settings(walTarget.database)).toBe('2048\n0\nUTF-8\nwal');
    expect(sqliteDump(walTarget.database)).toBe(sqliteDump(plainSource.database));
  });

  test('a restore of chosen tables, and a dump of chosen tables, leave the file settings alone', async () => {
    const { sql } = await dumped;
    const target = targetIn(tmp.dir, 'some.db');
    sqlite3(target.database, 'CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);');
    await sqliteEngine.restore(target, chunked(sql), { signal: never(), tables: ['notes'] });
    expect(settings(target.database)).toBe('4096\n0\nUTF-8\ndelete');
    expect(sqlite3(target.database, 'SELECT count(*) FROM notes;').trim()).toBe('2000');

    const partial = await dumpToString(sqliteEngine, targetIn(tmp.dir, 'source.db'), {
      schema: true,
      data: true,
      tables: ['notes'],
    });
    expect(partial.sql).not.toMatch(/PRAGMA (page_size|auto_vacuum|encoding|journal_mode)/);
  });

  test('a restore that fails leaves an existing target with its own settings', async () => {
    const { sql } = await dumped;
    const target = targetIn(tmp.dir, 'kept.db');
    sqlite3(target.database, 'CREATE TABLE old(x); INSERT INTO old VALUES (1);');
    const before = sqliteDump(target.database);
    const broken = sql.replace(
      'CREATE INDEX notes_body',
      'CREATE INDEX notes_body ON nowhere(x); --',
    );
    await expect(
      sqliteEngine.restore(target, chunked(broken), { signal: never() }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    expect(settings(target.database)).toBe('4096\n0\nUTF-8\ndelete');
    expect(sqliteDump(target.database)).toBe(before);
  });
});
