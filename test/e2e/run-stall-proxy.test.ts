import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifeboat, tempDir } from '../support/cli.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { createDb, dropDb, pgExec, pgUrl } from '../support/postgres-db.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';

interface RunJson {
  status: string;
  stage?: string;
  error?: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
  artifacts: unknown[];
}

interface HistoryJson {
  operations: {
    operation: string;
    status: string;
    error?: { code: string };
    details?: Record<string, unknown>;
  }[];
}

/** lifeboat.yaml: database `db` backed up to S3 at `endpoint` by plan `nightly`. */
function writeConfig(dir: string, db: string, endpoint: string, bucket: string): void {
  writeFileSync(
    join(dir, 'lifeboat.yaml'),
    [
      `connections: { app: { url: "${pgUrl(db)}" } }`,
      'storage:',
      '  offsite:',
      '    type: s3',
      `    bucket: ${bucket}`,
      '    prefix: stall/',
      `    endpoint: "${endpoint}"`,
      '    access_key_id: S3RVER',
      '    secret_access_key: S3RVER',
      '    max_attempts: 1',
      'plans:',
      '  nightly: { connection: app, to: [offsite], stall_timeout: 2s, timeout: 2m }',
      '',
    ].join('\n'),
  );
}

/** Runs `lifeboat run nightly --json`; returns the exit code, the result and the time taken. */
async function runPlan(dir: string) {
  const started = Date.now();
  const res = await lifeboat(['run', 'nightly', '--json'], { cwd: dir });
  return {
    code: res.code,
    stderr: res.stderr,
    result: JSON.parse(res.stdout) as RunJson,
    elapsed: Date.now() - started,
  };
}

async function validArtifacts(dir: string): Promise<unknown[]> {
  const list = await lifeboat(['list', '--storage', 'offsite', '--json'], { cwd: dir });
  expect(list.stderr).not.toContain('error:');
  expect(list.code).toBe(0);
  return (JSON.parse(list.stdout) as { artifacts: unknown[] }).artifacts;
}

async function lastRun(dir: string): Promise<HistoryJson['operations'][number] | undefined> {
  const history = await lifeboat(['history', '--json'], { cwd: dir });
  const ops = (JSON.parse(history.stdout) as HistoryJson).operations;
  return ops.find((op) => op.operation === 'run');
}

describe('lifeboat run stalls, through the real CLI, against real servers', () => {
  let server: TestS3Server;
  let proxy: FaultProxy;
  let db: string;
  beforeAll(async () => {
    server = await startS3Server();
    proxy = await startFaultProxy(server.port);
    db = await createDb();
    // About 3 MiB of dump text that gzip cannot shrink much: the upload takes several chunks.
    await pgExec(
      db,
      `CREATE TABLE events (id int PRIMARY KEY, payload text);
       INSERT INTO events SELECT g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text)
       FROM generate_series(1, 30000) g;`,
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    if (db) await dropDb(db);
  });

  it('names upload and the destination when S3 stops taking bytes mid-upload', async () => {
    const dir = tempDir();
    writeConfig(dir, db, `http://127.0.0.1:${proxy.port}`, server.bucket);
    // Every new connection forwards 256 KiB and then nothing, in both directions: the small
    // requests before the upload pass, the artifact's body stops part way.
    proxy.inject({ kind: 'stall', afterBytes: 256 * 1024 });
    const { code, result, stderr, elapsed } = await runPlan(dir);
    proxy.inject({ kind: 'pass' });

    expect(result.status, stderr).toBe('failed');
    expect(result.error?.code).toBe('STALLED');
    expect(code).toBe(21);
    expect(result.stage).toBe('upload:offsite');
    expect(result.error?.message).toBe(
      'plan "nightly" stalled in upload:offsite: no data moved for 2s',
    );
    expect(result.error?.hint).toMatch(/storage "offsite" stopped accepting data/);
    expect(result.error?.details).toMatchObject({
      stage: 'upload:offsite',
      destination: 'offsite',
    });
    expect(result.artifacts).toEqual([]);
    // Stopped by the stall timeout, not by the SDK's two-minute socket timeout or the plan's.
    expect(elapsed).toBeLessThan(30_000);

    expect(await validArtifacts(dir)).toEqual([]);
    expect(await server.pendingUploads()).toEqual([]);
    const run = await lastRun(dir);
    expect(run).toMatchObject({
      status: 'failed',
      error: { code: 'STALLED' },
      details: { stage: 'upload:offsite' },
    });
  });

  it('names dump when another session holds the table with ACCESS EXCLUSIVE', async () => {
    const dir = tempDir();
    writeConfig(dir, db, server.endpoint, server.bucket);
    const locker = new pg.Client({ connectionString: pgUrl(db) });
    await locker.connect();
    try {
      await locker.query('BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const { code, result, stderr, elapsed } = await runPlan(dir);
      expect(result.status, stderr).toBe('failed');
      expect(result.error?.code).toBe('STALLED');
      expect(code).toBe(21);
      expect(result.stage).toBe('dump');
      expect(result.error?.hint).toMatch(/locks/);
      // Well before PostgreSQL's own 60 s lock_timeout of the dump session.
      expect(elapsed).toBeLessThan(30_000);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    expect(await validArtifacts(dir)).toEqual([]);
    expect(await lastRun(dir)).toMatchObject({
      status: 'failed',
      error: { code: 'STALLED' },
      details: { stage: 'dump' },
    });
    // The lock gone, the same plan succeeds: the stall left nothing behind that gets in the way.
    const again = await runPlan(dir);
    expect(again.result.status, again.stderr).toBe('succeeded');
    expect(await validArtifacts(dir)).toHaveLength(1);
  });
});
