import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { collect, lifeboat, startLifeboat, tempDir } from '../support/cli.js';
import { createDb, dropDb, pgExec, pgUrl } from '../support/postgres-db.js';

interface LogLine {
  readonly level: string;
  readonly event: string;
  readonly plan?: string;
  readonly phase?: string;
  readonly status?: string;
  readonly error?: { code: string };
  readonly port?: number;
  readonly message: string;
}

/** A database big enough that backing it up takes a few seconds. */
function makeBigDb(dir: string): void {
  const db = new Database(join(dir, 'big.db'));
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)');
  const insert = db.prepare('INSERT INTO blobs (data) VALUES (randomblob(512))');
  db.transaction(() => {
    for (let i = 0; i < 150_000; i++) insert.run();
  })();
  db.close();
}

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('lifeboat daemon', () => {
  it('runs plans on schedule, stops cleanly on SIGTERM mid-backup, and status goes stale', async () => {
    const dir = tempDir();
    // The quick plan backs up a real PostgreSQL database; the bulk one a big SQLite file.
    const pg = await createDb();
    await pgExec(
      pg,
      'CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 500) g;',
    );
    makeBigDb(dir);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        'connections:',
        `  app: { url: "${pgUrl(pg)}" }`,
        '  big: { url: "sqlite:./big.db" }',
        'storage: { local: { type: local, path: ./backups } }',
        'plans:',
        '  quick: { connection: app, schedule: "*/2 * * * * *", catch_up: false }',
        '  bulk: { connection: big, schedule: "*/3 * * * * *", catch_up: false, compress: gzip }',
        '',
      ].join('\n'),
    );
    const daemon = startLifeboat(['daemon', '--metrics-port', '0'], { cwd: dir });
    const done = collect(daemon);
    const lines: LogLine[] = [];
    let buffer = '';
    daemon.stderr?.on('data', (d: string) => {
      buffer += d;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as LogLine);
    });
    const finished = (plan: string) =>
      lines.filter((l) => l.event === 'run-finished' && l.plan === plan);

    // Runs happen: the quick plan succeeds twice.
    await until('two quick runs', () => (finished('quick').length >= 2 ? true : undefined), 20_000);
    expect(finished('quick').every((l) => l.status === 'succeeded')).toBe(true);
    const port = lines.find((l) => l.event === 'metrics')?.port;
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^lifeboat_plan_last_success_timestamp_seconds\{plan="quick"\} \d+/m);
    expect(metrics).toMatch(/^lifeboat_plan_last_size_bytes\{plan="quick"\} [1-9]\d*/m);
    expect(metrics).toMatch(/^lifeboat_plan_runs_total\{plan="quick",status="succeeded"\} [2-9]/m);
    // Healthy while it keeps succeeding. Polled: on a loaded machine a quick run that shares
    // the daemon with the bulk dump can take longer than 1.5 × 2 s, and is stale meanwhile.
    const quick = await until(
      'status to report the quick plan healthy',
      async () => {
        const r = await lifeboat(['status', '--json'], { cwd: dir });
        const out = JSON.parse(r.stdout) as {
          plans: { plan: string; healthy: boolean; warnings: unknown[] }[];
        };
        const plan = out.plans.find((p) => p.plan === 'quick');
        return plan?.healthy ? plan : undefined;
      },
      20_000,
    );
    expect(quick).toMatchObject({ healthy: true, warnings: [] });

    // SIGTERM while the bulk plan is dumping.
    const dumpsSeen = lines.filter((l) => l.plan === 'bulk' && l.phase === 'dump').length;
    await until(
      'a bulk dump to start',
      () =>
        lines.filter((l) => l.plan === 'bulk' && l.phase === 'dump').length > dumpsSeen
          ? true
          : undefined,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    daemon.kill('SIGTERM');
    const exit = await done;
    expect(exit.code).toBe(0);
    const aborted = finished('bulk').at(-1);
    expect(aborted).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
    expect(lines.at(-1)).toMatchObject({ event: 'daemon-stopped' });

    // Nothing valid-looking is left: every artifact has its manifest, no temporaries remain.
    const files = readdirSync(join(dir, 'backups'));
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    const artifacts = files.filter((f) => !f.endsWith('.manifest.json'));
    for (const a of artifacts) expect(files).toContain(`${a}.manifest.json`);
    expect(artifacts.some((a) => a.startsWith('app_'))).toBe(true);

    // Runs stopped: within 1.5 × 2 s the quick plan is stale and status fails.
    const stale = await until(
      'the quick plan to go stale',
      async () => {
        const r = await lifeboat(['status', '--json'], { cwd: dir });
        const out = JSON.parse(r.stdout) as {
          plans: { plan: string; warnings: { kind: string }[] }[];
        };
        const quick = out.plans.find((p) => p.plan === 'quick');
        return quick?.warnings.some((w) => w.kind === 'stale') ? r : undefined;
      },
      15_000,
    );
    expect(stale.code).toBe(22);
    await dropDb(pg);
  });
});
