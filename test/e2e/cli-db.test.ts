import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { sqlite3 } from '../support/sqlite-cli.js';

describe('lifeboat db (SQLite)', () => {
  it('info lists tables with rows, largest first', async () => {
    const dir = tempDir();
    makeAppDb(dir, 'app.db', 2000);
    const res = await lifeboat(['db', 'info', 'sqlite:./app.db', '--json'], { cwd: dir });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.info.tables.map((t: { name: string }) => t.name)[0]).toBe('users');
    expect(out.info.tables.find((t: { name: string }) => t.name === 'users').rows).toBe(1999);
    expect(out.info.sizeBytes).toBeGreaterThan(0);
  });

  it('check passes a sound database and names the table with a broken foreign key', async () => {
    const dir = tempDir();
    const path = makeAppDb(dir, 'app.db', 50);
    // The fixture keeps one orphan on purpose (backups must carry it); clear it for this test.
    sqlite3(path, 'DELETE FROM user_roles WHERE user_id NOT IN (SELECT id FROM users);');
    const good = await lifeboat(['db', 'check', 'sqlite:./app.db'], { cwd: dir });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/users\s+ok/);
    sqlite3(path, 'PRAGMA foreign_keys=OFF; INSERT INTO user_roles VALUES (99999, 1);');
    const bad = await lifeboat(['db', 'check', 'sqlite:./app.db', '--json'], { cwd: dir });
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout).report;
    expect(report.ok).toBe(false);
    expect(report.tables.find((t: { table: string }) => t.table === 'user_roles')).toMatchObject({
      status: 'error',
      message: '1 rows reference missing rows in "users"',
    });
  });

  it('optimize and repair report per table and keep the data', async () => {
    const dir = tempDir();
    const path = makeAppDb(dir, 'app.db', 300);
    sqlite3(path, 'DELETE FROM users WHERE id > 100;');
    const before = sqlite3(path, 'SELECT count(*), sum(id) FROM users;');
    const optimize = await lifeboat(['db', 'optimize', 'sqlite:./app.db'], { cwd: dir });
    expect(optimize.code).toBe(0);
    expect(optimize.stdout).toMatch(/users\s+analyzed/);
    const repair = await lifeboat(['db', 'repair', 'sqlite:./app.db'], { cwd: dir });
    expect(repair.code).toBe(0);
    expect(repair.stdout).toMatch(/notes\s+reindexed/);
    expect(sqlite3(join(dir, 'app.db'), 'SELECT count(*), sum(id) FROM users;')).toBe(before);
    const history = await lifeboat(['history', '--json'], { cwd: dir });
    const ops = JSON.parse(history.stdout).operations.map(
      (o: { operation: string }) => o.operation,
    );
    expect(ops).toEqual(expect.arrayContaining(['db-optimize', 'db-repair']));
  });
});
