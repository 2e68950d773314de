import { afterAll, beforeAll, expect, test } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import {
  checksumTables,
  createDb,
  dropDbs,
  mariadb,
  mysqlUrl,
  uniqueDb,
} from '../support/mysql-db.js';

const dbs: string[] = [];
let source = '';
beforeAll(() => {
  source = createDb('cli');
  dbs.push(source);
  mariadb(
    'CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t SELECT seq, CONCAT("v", seq) FROM seq_1_to_500;',
    source,
  );
});
afterAll(() => dropDbs(...dbs));

test('lifeboat backup, verify --deep and restore --to another database through the built binary', async () => {
  const cwd = tempDir();
  const backup = await lifeboat(['backup', mysqlUrl(source), '--json'], { cwd });
  expect(backup.code, backup.stderr).toBe(0);
  const artifact = String((JSON.parse(backup.stdout) as { artifact?: string }).artifact);
  expect(artifact).toMatch(/\.sql/);
  const verify = await lifeboat(['verify', artifact, '--deep'], { cwd });
  expect(verify.code, verify.stderr + verify.stdout).toBe(0);
  const target = uniqueDb('cli_to');
  dbs.push(target);
  const restore = await lifeboat(['restore', artifact, '--to', mysqlUrl(target), '--force'], {
    cwd,
  });
  expect(restore.code, restore.stderr).toBe(0);
  expect(checksumTables(target)).toEqual(checksumTables(source));
});
