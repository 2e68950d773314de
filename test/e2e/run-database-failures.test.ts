import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ERROR_CODES } from '../../src/errors/index.js';
import { runPlan } from '../../src/jobs/run/index.js';
import type { JobEvent } from '../../src/progress/events.js';
import { collect, lifeboat, startLifeboat, tempDir, type CliResult } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';
import { createDb as createMysqlDb, dropDbs, mariadb, mysqlUrl } from '../support/mysql-db.js';
import {
  PG_SERVER,
  createDb,
  dropDb,
  pgExec,
  pgUrl,
  uniqueDbName,
} from '../support/postgres-db.js';

/** What `lifeboat run --json` prints, as far as these tests look. */
interface RunJson {
  ok: boolean;
  status: string;
  artifacts: { connection: string; artifact: string }[];
  databases: {
    database: string;
    connection: string;
    status: string;
    artifact?: string;
    stage?: string;
    error?: { code: string; message: string; hint?: string };
  }[];
  pruned: { removed: string[] } | null;
  stage?: string;
  error?: { code: string; message: string };
}

interface StatusJson {
  healthy: boolean;
  plans: {
    plan: string;
    warnings: { kind: string; message: string }[];
    lastRun: { status: string; failedDatabases: { database: string; code: string }[] } | null;
  }[];
}

describe('a databases: plan where one database fails', () => {
  const pgDbs: string[] = [];
  const myDbs: string[] = [];
  let sink: HttpSink;
  beforeAll(async () => {
    sink = await startHttpSink();
  });
  afterAll(async () => {
    await sink.close();
    for (const db of pgDbs) await dropDb(db);
    dropDbs(...myDbs);
  });

  it('PostgreSQL: the others are backed up and pruned, the failure is reported everywhere', async () => {
    // Backed up in name order, so the failing one sits between two good ones.
    const [first, broken, last] = [
      await createDb(uniqueDbName('lbfail_a')),
      await createDb(uniqueDbName('lbfail_b')),
      await createDb(uniqueDbName('lbfail_c')),
    ];
    pgDbs.push(first, broken, last);
    for (const db of [first, broken, last])
      await pgExec(db, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);');
    const dir = planDir(`${PG_SERVER}/postgres`, 'pg', [first, broken, last], sink.url);

    // A first good run gives every database a backup that retention could later remove.
    const good = await runJson(dir);
    expect(good.code, good.stderr).toBe(0);
    expect(good.result.databases.map((d) => [d.database, d.status])).toEqual([
      [first, 'succeeded'],
      [broken, 'succeeded'],
      [last, 'succeeded'],
    ]);
    const goodArtifact = good.result.databases[1]!.artifact!;

    // A table in an access method of its own is an object lifeboat's own schema dump refuses:
    // a real failure of this one database.
    await pgExec(
      broken,
      `CREATE ACCESS METHOD lb_heap TYPE TABLE HANDLER heap_tableam_handler;
       CREATE TABLE lb_total (x int) USING lb_heap;`,
    );
    const bad = await runJson(dir);
    expect(bad.code, bad.stderr).toBe(ERROR_CODES.DATABASES_FAILED.exitCode);
    expect(bad.result.ok).toBe(false);
    expect(bad.result.status).toBe('failed');
    expect(bad.result.error?.code).toBe('DATABASES_FAILED');
    expect(bad.result.error?.message).toContain(`"${broken}" (ENGINE_UNSUPPORTED:`);
    const [a, b, c] = bad.result.databases;
    expect([a?.database, b?.database, c?.database]).toEqual([first, broken, last]);
    expect(a?.status).toBe('succeeded');
    expect(a?.artifact).toMatch(new RegExp(`^pg-${first}_`));
    expect(c?.status).toBe('succeeded');
    expect(c?.artifact).toMatch(new RegExp(`^pg-${last}_`));
    expect(b?.status).toBe('failed');
    expect(b?.artifact).toBeUndefined();
    expect(b?.error?.code).toBe('ENGINE_UNSUPPORTED');
    expect(b?.error?.message).toMatch(/public\.lb_total/);
    expect(b?.error?.hint).toMatch(/--schema-via pg_dump/);
    expect(bad.result.artifacts.map((x) => x.connection)).toEqual([`pg-${first}`, `pg-${last}`]);

    // keep_last: 1 thinned the two databases just backed up; the failing one keeps its only
    // good backup, from the first run.
    const files = artifactFiles(dir);
    expect(files.filter((f) => f.startsWith(`pg-${first}_`))).toEqual([a?.artifact]);
    expect(files.filter((f) => f.startsWith(`pg-${last}_`))).toEqual([c?.artifact]);
    expect(files.filter((f) => f.startsWith(`pg-${broken}_`))).toEqual([goodArtifact]);
    expect(bad.result.pruned?.removed.sort()).toEqual(
      [good.result.databases[0]!.artifact!, good.result.databases[2]!.artifact!]
        .map((f) => `local/${f}`)
        .sort(),
    );

    // The post hook hears which database failed.
    expect(readFileSync(join(dir, 'post.txt'), 'utf8')).toBe(`failed|DATABASES_FAILED|${broken}`);

    // The webhook (on: failure) names the database, its error and what to do.
    const failures = sink.received
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((p) => p.plan === 'servers' && p.event === 'failure');
    expect(failures).toHaveLength(1);
    const payload = failures[0] as { databases: RunJson['databases']; error: { code: string } };
    expect(payload.error.code).toBe('DATABASES_FAILED');
    expect(payload.databases.find((d) => d.status === 'failed')).toMatchObject({
      database: broken,
      error: { code: 'ENGINE_UNSUPPORTED' },
    });
    expect(payload.databases.filter((d) => d.status === 'succeeded')).toHaveLength(2);

    // `status` is unhealthy and says which database and why.
    const status = await lifeboat(['status', '--json'], { cwd: dir });
    expect(status.code).toBe(ERROR_CODES.UNHEALTHY.exitCode);
    const plan = (JSON.parse(status.stdout) as StatusJson).plans[0]!;
    expect(plan.lastRun?.failedDatabases).toMatchObject([
      { database: broken, code: 'ENGINE_UNSUPPORTED' },
    ]);
    expect(plan.warnings.find((w) => w.kind === 'failing')?.message).toBe(
      `the last run failed: 1 database(s) got no backup (${broken})`,
    );
    const dbWarning = plan.warnings.find((w) => w.kind === 'database-failing');
    expect(dbWarning?.message).toMatch(
      new RegExp(
        `^database "${broken}" got no backup in the last run: .*lb_total.*\\(ENGINE_UNSUPPORTED\\)`,
      ),
    );
    const text = await lifeboat(['status'], { cwd: dir });
    expect(text.stdout).toContain(`warning (database-failing): database "${broken}"`);

    // The text form of `run` gives each failed database its own error and hint.
    const again = await lifeboat(['run', 'servers'], { cwd: dir });
    expect(again.code).toBe(ERROR_CODES.DATABASES_FAILED.exitCode);
    expect(again.stderr).toContain(`error: database "${broken}": `);
    expect(again.stderr).toContain(
      `plan "servers" failed: 1 database(s) got no backup (${broken}), 2 backed up`,
    );
    expect(again.stdout.trim().split('\n')).toHaveLength(2);
  });

  /**
   * Runs `lifeboat run servers --json` through `start` over two new databases while another
   * session holds the first one's table with ACCESS EXCLUSIVE, so the backup waits on it.
   */
  async function runLocked(
    prefix: string,
    stall: string | undefined,
    start: (dir: string, locked: string) => Promise<CliResult>,
  ): Promise<{ dir: string; res: CliResult; result: RunJson }> {
    const pair = [
      await createDb(uniqueDbName(`${prefix}_a`)),
      await createDb(uniqueDbName(`${prefix}_b`)),
    ];
    pgDbs.push(...pair);
    for (const db of pair) await pgExec(db, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1);');
    const dir = planDir(`${PG_SERVER}/postgres`, 'pg', pair, undefined, stall);
    const locker = new pg.Client({ connectionString: pgUrl(pair[0]!) });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
      const res = await start(dir, pair[0]!);
      return { dir, res, result: JSON.parse(res.stdout) as RunJson };
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  }

  it('a stall still stops the whole run: the databases after it are not attempted', async () => {
    const { dir, res, result } = await runLocked('lbstop', '2s', (cwd) =>
      collect(startLifeboat(['run', 'servers', '--json'], { cwd })),
    );
    expect(result.error?.code, res.stderr).toBe('STALLED');
    expect(res.code).toBe(ERROR_CODES.STALLED.exitCode);
    expect(result.stage).toBe('dump');
    expect(result.artifacts).toEqual([]);
    // Neither database has an outcome: the run stopped, it did not fail one database.
    expect(result.databases).toEqual([]);
    expect(artifactFiles(dir)).toEqual([]);
  });

  it('SIGTERM stops the whole run too, and no database is reported as failed', async () => {
    const { dir, res, result } = await runLocked('lbterm', undefined, async (cwd, locked) => {
      const child = startLifeboat(['run', 'servers', '--json'], { cwd });
      const done = collect(child);
      await waitForLockWait(locked);
      child.kill('SIGTERM');
      return done;
    });
    expect(res.code, res.stderr).toBe(ERROR_CODES.ABORTED.exitCode);
    expect(result.error?.code).toBe('ABORTED');
    expect(result.databases).toEqual([]);
    expect(artifactFiles(dir)).toEqual([]);
  });

  it('a server that stops answering after discovery stops the run instead of each database timing out', async () => {
    const pair = [
      await createDb(uniqueDbName('lbdown_a')),
      await createDb(uniqueDbName('lbdown_b')),
    ];
    pgDbs.push(...pair);
    const proxy = await startFaultProxy(5432);
    const dir = planDir(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`, 'pg', pair);
    const config = await loadConfig({ cwd: dir, env: {} });
    const catalog = Catalog.open(config.catalog.path);
    try {
      // The backups are announced before they connect: from then on the "server" resets
      // every new connection, the re-listing of the server included.
      const events = (e: JobEvent): void => {
        if (e.type === 'phase' && e.phase === 'dump')
          proxy.inject({ kind: 'reset', afterBytes: 0 });
      };
      const signal = new AbortController().signal;
      const result = await runPlan({ config, cwd: dir, catalog, signal, events }, 'servers', {
        env: { PATH: process.env.PATH },
        notify: false,
      });
      expect(result.error?.code).toBe('DB_UNREACHABLE');
      expect(result.databases).toEqual([]);
      // Discovery, the first backup and one re-listing: the second database was not tried.
      expect(proxy.connections).toBe(3);
    } finally {
      catalog.close();
      await proxy.stop();
    }
  });

  it('MariaDB: a database lifeboat cannot back up fails alone', async () => {
    const mine = [createMysqlDb('lbfail_a'), createMysqlDb('lbfail_b'), createMysqlDb('lbfail_c')];
    myDbs.push(...mine);
    const [first, broken, last] = mine as [string, string, string];
    for (const db of mine) mariadb('CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);', db);
    // An Oracle-mode package: a routine kind lifeboat does not back up yet.
    mariadb(
      'SET sql_mode=ORACLE;\nDELIMITER //\nCREATE PACKAGE pk AS FUNCTION f1 RETURN INT; END;\n//\n',
      broken,
    );
    const dir = planDir(mysqlUrl(first), 'my', [first, broken, last], sink.url);
    const { code, stderr, result } = await runJson(dir);
    expect(code, stderr).toBe(ERROR_CODES.DATABASES_FAILED.exitCode);
    expect(result.databases.map((d) => [d.database, d.status, d.error?.code])).toEqual([
      [first, 'succeeded', undefined],
      [broken, 'failed', 'DB_ERROR'],
      [last, 'succeeded', undefined],
    ]);
    expect(result.databases[1]?.error?.message).toMatch(/"pk" \(package\)/);
    const files = artifactFiles(dir);
    expect(files.filter((f) => f.startsWith(`my-${first}_`))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith(`my-${last}_`))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith(`my-${broken}_`))).toEqual([]);
  });
});

/**
 * A lifeboat.yaml with plan `servers` over `databases` of connection `name`, a local storage,
 * `keep_last: 1`, a post hook that records the outcome, and a failure webhook to `hook`.
 */
function planDir(
  url: string,
  name: string,
  databases: readonly string[],
  hook?: string,
  stall?: string,
): string {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      `connections: { ${name}: { url: "${url}" } }`,
      'storage: { local: { type: local, path: ./backups } }',
      ...(hook ? [`notify: [{ type: webhook, url: "${hook}/hook", on: [failure] }]`] : []),
      'plans:',
      '  servers:',
      `    connection: ${name}`,
      `    databases: [${databases.join(', ')}]`,
      '    retention: { keep_last: 1 }',
      ...(stall ? [`    stall_timeout: ${stall}`] : []),
      `    post: ['printf "%s|%s|%s" "$LIFEBOAT_STATUS" "$LIFEBOAT_ERROR_CODE" "$LIFEBOAT_FAILED_DATABASES" > post.txt']`,
      '',
    ].join('\n'),
  );
  return dir;
}

async function runJson(dir: string) {
  const res = await lifeboat(['run', 'servers', '--json'], { cwd: dir });
  return { code: res.code, stderr: res.stderr, result: JSON.parse(res.stdout) as RunJson };
}

function artifactFiles(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'backups'))
      .filter((f) => /\.sql(\.gz|\.zst)?$/.test(f))
      .sort();
  } catch {
    return [];
  }
}

/** Resolves once a session of `db` waits on a lock (the backup reached the locked table). */
async function waitForLockWait(db: string, ms = 20_000): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl('postgres') });
  await client.connect();
  try {
    const deadline = Date.now() + ms;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
        [db],
      );
      if ((rows[0]?.n ?? 0) > 0) return;
      if (Date.now() > deadline) throw new Error(`no session of ${db} waited on the lock`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}
