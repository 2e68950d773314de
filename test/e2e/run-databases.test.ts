import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { ERROR_CODES } from '../../src/errors/index.js';
import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { lifeboat, startLifeboat, collect, tempDir } from '../support/cli.js';
import { createDb as createMysqlDb, dropDbs, mariadb, mysqlUrl } from '../support/mysql-db.js';
import {
  PG_SERVER,
  createDb,
  dropDb,
  pgExec,
  pgTarget,
  pgUrl,
  uniqueDbName,
} from '../support/postgres-db.js';

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

  it('databases: all backs up every PostgreSQL database, one artifact each, minus exclude', async () => {
    const mine = [
      await createDb(uniqueDbName('lball')),
      await createDb(uniqueDbName('lball')),
      await createDb(uniqueDbName('lball')),
    ];
    pgDbs.push(...mine);
    for (const db of mine)
      await pgExec(db, `CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);`);
    const [kept1, kept2, excluded] = mine as [string, string, string];
    // Other tests' databases (and the benchmark's) are left out by name: backing one up takes
    // its connection lock, and a test backing it up or restoring into it at that moment found
    // it busy (LOCKED).
    const others = (await pgQuery<{ datname: string }>(`SELECT datname FROM pg_database`))
      .map((r) => r.datname)
      .filter((n) => !mine.includes(n) && !['postgres', 'template0', 'template1'].includes(n));
    // Excluded by a pattern: `*` stands for the last characters of its random name.
    const { dir, connections } = await runAll(`${PG_SERVER}/postgres`, 'pg', [
      `${excluded.slice(0, -3)}*`,
      ...others,
    ]);
    expectBackedUp(connections, 'pg', [kept1, kept2], [excluded, 'template0', 'template1']);
    // The maintenance database is an ordinary database that people do put tables in.
    expect(connections).toContain('pg-postgres');
    const files = readdirSync(join(dir, 'backups')).filter((f) => f.endsWith('.sql.gz'));
    expect(files.filter((f) => f.startsWith(`pg-${kept1}_`))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith(`pg-${excluded}_`))).toEqual([]);
  });

  it('databases: all backs up every MariaDB database except the system schemas and exclude', async () => {
    const mine = [createMysqlDb('lball'), createMysqlDb('lball'), createMysqlDb('lball')];
    myDbs.push(...mine);
    for (const db of mine) mariadb('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);', db);
    const [kept1, kept2, excluded] = mine as [string, string, string];
    // Other tests' databases are left out by name, as for PostgreSQL above.
    const system = ['mysql', 'information_schema', 'performance_schema', 'sys'];
    const others = mariadb('SHOW DATABASES', undefined, ['-N'])
      .split('\n')
      .filter((n) => n !== '' && !mine.includes(n) && !system.includes(n));
    // Any of the server's databases will do as the connection's own.
    const { connections } = await runAll(mysqlUrl(kept1), 'my', [excluded, ...others]);
    expectBackedUp(connections, 'my', [kept1, kept2], [excluded, ...system]);
  });

  it('a database dropped between discovery and its backup is skipped with a warning', async () => {
    // Backed up in name order: the first waits on a lock while the test drops the second.
    const first = await createDb(uniqueDbName('lbdrop_a'));
    const second = await createDb(uniqueDbName('lbdrop_b'));
    pgDbs.push(first, second);
    for (const db of [first, second])
      await pgExec(db, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1);');
    const dir = planDir(
      `${PG_SERVER}/postgres`,
      'pg',
      `pair: { connection: pg, databases: [${first}, ${second}] }`,
    );
    const locker = new pg.Client({ connectionString: pgUrl(first) });
    await locker.connect();
    let run: ReturnType<typeof collect> | undefined;
    try {
      await locker.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      run = collect(startLifeboat(['run', 'pair', '--json'], { cwd: dir }));
      await waitFor(async () => {
        const waiting = await pgQuery<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = '${first}' AND wait_event_type = 'Lock'`,
        );
        return (waiting[0]?.n ?? 0) > 0;
      });
      await dropDb(second);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const res = await run;
    const result = JSON.parse(res.stdout) as RunJson;
    expect(result.status, res.stderr).toBe('succeeded');
    expect(res.code).toBe(0);
    expect(result.artifacts.map((a) => a.connection)).toEqual([`pg-${first}`]);
    expect(result.skipped).toEqual([second]);
    expect(result.warnings).toContain(
      `database "${second}" was dropped after this run listed it; skipped`,
    );
    const history = await lifeboat(['history', '--json'], { cwd: dir });
    const runs = (
      JSON.parse(history.stdout) as { operations: { operation: string; details?: unknown }[] }
    ).operations.filter((op) => op.operation === 'run');
    expect(runs[0]?.details).toMatchObject({ skipped: [second] });
  });
});

interface RunJson {
  status: string;
  databases: { database: string; status: string }[];
  artifacts: { connection: string; artifact: string }[];
  skipped: string[];
  warnings: string[];
}

/** Runs a `databases: all` plan over connection `name` at `url`; returns its artifacts' connections. */
async function runAll(url: string, name: string, exclude: readonly string[]) {
  const plan = `servers: { connection: ${name}, databases: all, exclude: [${exclude.join(', ')}] }`;
  const dir = planDir(url, name, plan);
  const { result, code, stderr } = await runJson(dir, 'servers');
  // The server is shared with tests running at the same time, some of whose databases hold
  // what lifeboat refuses (a table in an access method of its own, a package): those fail alone, and every other
  // database is still backed up.
  const failed = result.databases.filter((d) => d.status === 'failed');
  expect(code, stderr).toBe(failed.length ? ERROR_CODES.DATABASES_FAILED.exitCode : 0);
  expect(result.status).toBe(failed.length ? 'failed' : 'succeeded');
  return {
    dir,
    connections: result.artifacts.map((a) => a.connection),
    failed: failed.map((d) => d.database),
  };
}

/** A directory with a lifeboat.yaml: connection `name` at `url`, a local storage, and `plan`. */
function planDir(url: string, name: string, plan: string): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      `connections: { ${name}: { url: "${url}" } }`,
      'storage: { local: { type: local, path: ./backups } }',
      `plans: { ${plan} }`,
      '',
    ].join('\n'),
  );
  return dir;
}

/** Each of `kept` has exactly one artifact, none of `never` has any. */
function expectBackedUp(
  connections: readonly string[],
  name: string,
  kept: readonly string[],
  never: readonly string[],
): void {
  expect(new Set(connections).size).toBe(connections.length);
  for (const db of kept) expect(connections).toContain(`${name}-${db}`);
  for (const db of never) expect(connections).not.toContain(`${name}-${db}`);
}

async function runJson(dir: string, plan: string) {
  const res = await lifeboat(['run', plan, '--json'], { cwd: dir });
  return { code: res.code, stderr: res.stderr, result: JSON.parse(res.stdout) as RunJson };
}

async function pgQuery<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: pgUrl('postgres') });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
