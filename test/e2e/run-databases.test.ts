import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { lifeboat, tempDir } from '../support/cli.js';
import { createDb as createMysqlDb, dropDbs, mysqlUrl } from '../support/mysql-db.js';
import { PG_SERVER, createDb, dropDb, pgExec, pgTarget } from '../support/postgres-db.js';

const signal = new AbortController().signal;

describe('plans over several databases of one server', () => {
  const pgDbs: string[] = [];
  const myDbs: string[] = [];
  afterAll(async () => {
    for (const db of pgDbs) await dropDb(db);
    dropDbs(...myDbs);
  });

  it('postgres lists its databases without templates and scratch databases', async () => {
    const db = await createDb();
    pgDbs.push(db);
    const found = await postgresEngine.listDatabases(pgTarget('postgres'), { signal });
    const names = found.map((d) => d.name);
    expect(names).toContain(db);
    expect(names).not.toContain('template0');
    expect(names.some((n) => n.startsWith('lifeboat_'))).toBe(false);
    expect(found.find((d) => d.name === db)?.url).toBe(`${PG_SERVER}/${db}`);
  });

  it('mysql lists its databases without the system schemas', async () => {
    const db = createMysqlDb('lbdbs');
    myDbs.push(db);
    const found = await mysqlEngine.listDatabases(mysqlEngine.parseUrl(mysqlUrl(db), '.'), {
      signal,
    });
    const names = found.map((d) => d.name);
    expect(names).toContain(db);
    expect(names).not.toContain('mysql');
    expect(names).not.toContain('information_schema');
  });

  it('lifeboat run backs up each listed database to its own artifact, minus exclude', async () => {
    const [a, b, c] = [await createDb(), await createDb(), await createDb()];
    pgDbs.push(a, b, c);
    for (const db of [a, b, c])
      await pgExec(db, `CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);`);
    const dir = tempDir();
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        `connections: { pg: { url: "${PG_SERVER}/postgres" } }`,
        'storage: { local: { type: local, path: ./backups } }',
        'plans:',
        '  servers:',
        '    connection: pg',
        `    databases: [${a}, ${b}, ${c}]`,
        `    exclude: [${c}]`,
        '',
      ].join('\n'),
    );
    const res = await lifeboat(['run', 'servers'], { cwd: dir });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
    const artifacts = readdirSync(join(dir, 'backups')).filter((f) => f.endsWith('.sql.gz'));
    expect(artifacts.map((f) => f.replace(/_\d{4}-.*$/, '')).sort()).toEqual(
      [`pg-${a}`, `pg-${b}`].sort(),
    );
  });
});
