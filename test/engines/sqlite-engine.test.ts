import { existsSync, realpathSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import {
  cleanupSqliteScratch,
  createSqliteScratch,
} from '../../src/engines/sqlite/sqlite-scratch.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { cliRestore } from '../support/sqlite-dump-helpers.js';
import { never, targetIn, tempDir } from '../support/sqlite-fixtures.js';

const tmp = tempDir('lifeboat-engine-');
afterAll(tmp.cleanup);

describe('sqlite URLs', () => {
  // display is the absolute path: a manifest must name the file wherever it is read later.
  test.each([
    ['sqlite:./app.db', '/base/app.db'],
    ['sqlite:app.db', '/base/app.db'],
    ['sqlite:/abs/path.db', '/abs/path.db'],
    ['sqlite:///abs/path.db', '/abs/path.db'],
    ['sqlite://./rel.db', '/base/rel.db'],
    ['sqlite:../up/x.db', '/up/x.db'],
    ['SQLITE:data/my app.db', '/base/data/my app.db'],
  ])('%s', (url, database) => {
    const target = sqliteEngine.parseUrl(url, '/base');
    expect(target).toMatchObject({
      engine: 'sqlite',
      url,
      database,
      display: `sqlite:${database}`,
      lockKey: `sqlite:${database}`,
    });
  });

  test('~ expands to the home directory', () => {
    expect(sqliteEngine.parseUrl('sqlite:~/x.db', '/base').database).toBe(join(homedir(), 'x.db'));
  });

  test('the lock key resolves symlinks', () => {
    const real = join(tmp.dir, 'real.db');
    writeFileSync(real, '');
    symlinkSync(real, join(tmp.dir, 'link.db'));
    const a = sqliteEngine.parseUrl('sqlite:./link.db', tmp.dir);
    const b = sqliteEngine.parseUrl(`sqlite:${real}`, '/');
    expect(a.lockKey).toBe(b.lockKey);
    expect(a.lockKey).toBe(`sqlite:${realpathSync(real)}`);
  });

  test.each([
    'sqlite:',
    'sqlite://',
    'sqlite::memory:',
    'sqlite:dir/',
    'postgres://x/y',
    'sqlite:a\nb',
  ])('%j is URL_INVALID with a hint', (url) => {
    let error: unknown;
    try {
      sqliteEngine.parseUrl(url, '/base');
    } catch (e) {
      error = e;
    }
    expect(isLifeboatError(error, 'URL_INVALID')).toBe(true);
    expect((error as { hint: string }).hint).toBe('expected sqlite:./path/to/app.db');
  });
});

describe('sqlite engine basics', () => {
  test('capabilities and sniffing', () => {
    expect(sqliteEngine.capabilities).toEqual({
      transactionalDdl: true,
      swapRestore: false,
      sharedSnapshot: false,
      fileDatabase: true,
    });
    expect(sqliteEngine.sniff('-- lifeboat sqlite dump v1 (...)\nPRAGMA foreign_keys=OFF;')).toBe(
      true,
    );
    expect(sqliteEngine.sniff('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n')).toBe(true);
    expect(sqliteEngine.sniff('BEGIN TRANSACTION;\nCOMMIT;\n')).toBe(true);
    expect(sqliteEngine.sniff('--\n-- PostgreSQL database dump\n')).toBe(false);
  });

  test('describe and summarize an existing database; missing database errors', async () => {
    const target = targetIn(tmp.dir, 'described.db');
    cliRestore(
      target.database,
      'CREATE TABLE a(x); INSERT INTO a VALUES (1),(2); CREATE TABLE b(y); CREATE VIEW v AS SELECT 1;',
    );
    const description = await sqliteEngine.describe(target, { signal: never() });
    expect(description?.tables).toEqual([
      { name: 'a', rows: 2 },
      { name: 'b', rows: 0 },
    ]);
    expect(description?.serverVersion).toMatch(/^3\.\d+\.\d+$/);
    expect(description?.sizeBytes).toBeGreaterThan(0);
    const [a] = await sqliteEngine.summarize(target, ['A'], { signal: never() });
    expect(a).toMatchObject({ name: 'a', rows: 2 });
    expect(a?.checksum).toMatch(/^lifeboat-sqlite-v1:[0-9a-f]{32}$/);
    const unknown = await sqliteEngine
      .summarize(target, ['nope'], { signal: never() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(unknown, 'TABLE_NOT_FOUND')).toBe(true);
    const missing = targetIn(tmp.dir, 'missing.db');
    const notFound = await sqliteEngine
      .summarize(missing, undefined, { signal: never() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(notFound, 'DB_NOT_FOUND')).toBe(true);
    expect((notFound as Error).message).toBe(
      `sqlite database "${missing.database}" does not exist`,
    );
  });

  test('checksums are order-independent but count duplicates', async () => {
    const one = targetIn(tmp.dir, 'order-1.db');
    const two = targetIn(tmp.dir, 'order-2.db');
    const three = targetIn(tmp.dir, 'order-3.db');
    cliRestore(one.database, "CREATE TABLE t(a); INSERT INTO t VALUES (1), ('1'), (1.0), (x'31');");
    cliRestore(two.database, "CREATE TABLE t(a); INSERT INTO t VALUES (x'31'), (1.0), ('1'), (1);");
    cliRestore(
      three.database,
      "CREATE TABLE t(a); INSERT INTO t VALUES (x'31'), (1.0), ('1'), (1), (1);",
    );
    const sum = async (t: typeof one) =>
      (await sqliteEngine.summarize(t, undefined, { signal: never() }))[0]?.checksum;
    expect(await sum(one)).toBe(await sum(two));
    expect(await sum(three)).not.toBe(await sum(one));
  });

  test('scratch databases live in a private directory and stale ones are cleaned up', async () => {
    const scratch = await sqliteEngine.createScratch(targetIn(tmp.dir, 'x.db'), {
      signal: never(),
    });
    expect(scratch.target.database).toMatch(
      /lifeboat-scratch-[^/]+\/lifeboat_verify_\d+_[0-9a-f]+\.db$/,
    );
    expect(await sqliteEngine.describe(scratch.target, { signal: never() })).toEqual(
      expect.objectContaining({ tables: [] }),
    );
    await scratch.drop();
    expect(existsSync(scratch.target.database)).toBe(false);

    const dir = join(tmp.dir, 'scratch');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const live = createSqliteScratch(dir);
    const old = createSqliteScratch(dir);
    const past = new Date(Date.now() - 2 * 3600_000);
    utimesSync(old.target.database, past, past);
    const orphan = join(dir, 'lifeboat_verify_999999999_abcdef.db');
    writeFileSync(orphan, '');
    writeFileSync(`${orphan}-wal`, '');
    writeFileSync(join(dir, 'unrelated.db'), '');
    expect(cleanupSqliteScratch(dir)).toBe(2);
    expect(existsSync(live.target.database)).toBe(true);
    expect(existsSync(old.target.database)).toBe(false);
    expect(existsSync(orphan) || existsSync(`${orphan}-wal`)).toBe(false);
    expect(existsSync(join(dir, 'unrelated.db'))).toBe(true);
    expect(
      await sqliteEngine.cleanupStaleScratch(scratch.target, { signal: never() }),
    ).toBeGreaterThanOrEqual(0);
  });
});
