import { afterAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { dropDbs, uniqueDb } from '../support/mysql-db.js';

const dbs: string[] = [];
afterAll(() => dropDbs(...dbs));

interface DemoJson {
  ok: boolean;
  tables: number;
  rows: number;
  backup: { artifact: string; verification: { ok: boolean; deep: boolean } };
}

describe('lifeboat demo', () => {
  it('builds the SQLite demo, backs it up and deep-verifies it (the README command)', async () => {
    const dir = tempDir();
    const r = await lifeboat(['demo', '--dir', 'd', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as DemoJson;
    expect(out).toMatchObject({ ok: true, tables: 9 });
    expect(out.rows).toBeGreaterThan(50_000);
    expect(out.backup.verification).toMatchObject({ ok: true, deep: true });
  });

  it('builds it in a MySQL database with --url, and never replaces tables without --force', async () => {
    const db = uniqueDb('demo_cli');
    dbs.push(db);
    const url = `mysql://root@127.0.0.1:3306/${db}`;
    const dir = tempDir();
    const first = await lifeboat(['demo', '--dir', 'd', '--url', url, '--json'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      ok: true,
      tables: 8,
      backup: { verification: { ok: true, deep: true } },
    });
    const again = await lifeboat(['demo', '--dir', 'd', '--url', url], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds 8 table(s); the demo would replace them');
    const forced = await lifeboat(['demo', '--dir', 'd', '--url', url, '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
  });

  it('says there is no PostgreSQL demo yet', async () => {
    const r = await lifeboat(
      ['demo', '--dir', 'd', '--url', 'postgres://postgres@127.0.0.1:5432/lifeboat_no_demo'],
      { cwd: tempDir() },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: there is no demo database for postgres yet');
  });
});
