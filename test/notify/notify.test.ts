import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { checkHealth } from '../../src/health/plan-health.js';
import { notifyTuning, planSettings, runPlan } from '../../src/jobs/run/index.js';
import { buildMessage, channelsFor, deliver } from '../../src/notify/index.js';
import type { JobEvent } from '../../src/progress/events.js';
import { tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

const failedRun = buildMessage(
  {
    plan: 'nightly',
    connection: 'app',
    status: 'failed',
    durationMs: 1234,
    storages: ['local'],
    artifacts: [],
    warnings: [],
    stage: 'dump',
    error: { code: 'DB_UNREACHABLE', message: 'cannot open "app.db"', hint: 'check the path' },
  },
  'db-host-1',
);

const goodRun = buildMessage(
  {
    plan: 'nightly',
    connection: 'app',
    status: 'succeeded',
    durationMs: 2500,
    storages: ['local'],
    artifacts: [
      {
        artifact: 'app_2026-01-01_020000.sql.gz',
        size: 2048,
        verification: { ok: true, deep: true },
      },
    ],
    warnings: [],
  },
  'db-host-1',
);

function context(catalog: Catalog, events: JobEvent[] = []) {
  return { catalog, events: (e: JobEvent) => events.push(e), signal: new AbortController().signal };
}

/** A port with nothing listening: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('notifications', () => {
  let smtp: SmtpSink;
  let http: HttpSink;
  let catalog: Catalog;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    http = await startHttpSink();
    catalog = Catalog.open(join(tempDir(), 'catalog.db'));
    notifyTuning.backoffMs = 20;
  });
  afterAll(async () => {
    await smtp.close();
    await http.close();
    catalog.close();
  });

  it('e-mails a failure with what failed, where, and what to do', async () => {
    const channels = channelsFor([
      {
        type: 'email',
        smtp: smtp.url,
        to: ['ops@example.com'],
        from: 'lb@example.com',
        on: ['failure'],
      },
    ]);
    const results = await deliver(context(catalog), channels, failedRun, { plan: 'nightly' });
    expect(results).toEqual([{ channel: 'email:ops@example.com', ok: true, attempts: 1 }]);
    const mail = await smtp.next();
    expect(mail.to).toEqual(['ops@example.com']);
    expect(mail.from).toBe('lb@example.com');
    // Quotes make nodemailer encode the subject; the words are still there.
    expect(mail.raw).toMatch(/^Subject: .*nightly.*FAILED/m);
    expect(mail.raw).toContain('lifeboat: plan "nightly" FAILED on db-host-1');
    expect(mail.raw).toContain('what failed: cannot open "app.db" (DB_UNREACHABLE)');
    expect(mail.raw).toContain('stage: dump');
    expect(mail.raw).toContain('what to do: check the path');
  });

  it('sends only the events a channel subscribed to', async () => {
    const channels = channelsFor([
      { type: 'email', smtp: smtp.url, to: ['ops@example.com'], on: ['failure'] },
    ]);
    expect(await deliver(context(catalog), channels, goodRun, { plan: 'nightly' })).toEqual([]);
  });

  it('posts to Slack and to a webhook signed with HMAC-SHA256 over the raw body', async () => {
    http.received.length = 0;
    const channels = channelsFor([
      { type: 'slack', webhook: `${http.url}/services/T000/B000/secret`, on: ['success'] },
      { type: 'webhook', url: `${http.url}/hook`, secret: 's3cret', on: ['success', 'failure'] },
    ]);
    const results = await deliver(context(catalog), channels, goodRun, { plan: 'nightly' });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    // The Slack URL's path is a secret: channel names show the host only.
    expect(results[0]?.channel).toBe(`slack:${new URL(http.url).host}`);
    const slack = http.received.find((r) => r.path.startsWith('/services'))!;
    const text = (JSON.parse(slack.body) as { text: string }).text;
    expect(text).toContain('succeeded on db-host-1');
    expect(text).toContain('artifact: app_2026-01-01_020000.sql.gz (2.0 KiB)');
    expect(text).toContain('verification: passed, deep (restored and compared)');
    const hook = http.received.find((r) => r.path === '/hook')!;
    const expected = `sha256=${createHmac('sha256', 's3cret').update(hook.body).digest('hex')}`;
    expect(hook.headers['x-lifeboat-signature']).toBe(expected);
    expect(hook.headers['x-lifeboat-event']).toBe('success');
    const payload = JSON.parse(hook.body) as Record<string, unknown>;
    expect(payload).toMatchObject({ event: 'success', plan: 'nightly', status: 'succeeded' });
  });

  it('retries with backoff and records each delivery in the catalog', async () => {
    http.received.length = 0;
    http.respondWith((i) => (i < 2 ? 503 : 200));
    const events: JobEvent[] = [];
    const channels = channelsFor([{ type: 'webhook', url: `${http.url}/flaky`, on: ['failure'] }]);
    const [result] = await deliver(context(catalog, events), channels, failedRun, {
      plan: 'retry-plan',
      backoffMs: 20,
    });
    http.respondWith(() => 200);
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(http.received.length).toBe(3);
    expect(events.filter((e) => e.type === 'info' && /retrying/.test(e.message)).length).toBe(2);
    const [row] = catalog.history({ operation: 'notify', limit: 1 });
    expect(row).toMatchObject({
      status: 'succeeded',
      details: { plan: 'retry-plan', attempts: 3 },
    });
  });

  it('an unreachable SMTP server does not fail the backup, and status shows it', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    const port = await closedPort();
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        'connections: { app: { url: "sqlite:./app.db" } }',
        'plans:',
        '  nightly: { connection: app, schedule: "daily at 02:00", verify: true }',
        'notify:',
        `  - { type: email, smtp: "smtp://127.0.0.1:${port}", to: ops@example.com, on: [failure, success] }`,
        '',
      ].join('\n'),
    );
    const config = await loadConfig({ cwd: dir, env: {} });
    const runCatalog = Catalog.open(config.catalog.path);
    try {
      const events: JobEvent[] = [];
      const ctx = { config, cwd: dir, ...context(runCatalog, events) };
      const result = await runPlan(ctx, 'nightly', { env: {} });
      expect(result.status).toBe('succeeded');
      expect(result.artifacts[0]?.verification).toEqual({ ok: true, deep: false });
      expect(result.notifications).toEqual([{ channel: 'email:ops@example.com', ok: false }]);
      expect(
        events.some((e) => e.type === 'warning' && /notification to email/.test(e.message)),
      ).toBe(true);
      const [delivery] = runCatalog.history({ operation: 'notify' });
      expect(delivery).toMatchObject({ status: 'failed', error: { code: 'NOTIFY_FAILED' } });
      const health = await checkHealth(runCatalog, config, planSettings(config, {}));
      expect(health.healthy).toBe(false);
      expect(health.plans[0]?.warnings.map((w) => w.kind)).toEqual(['notify-failing']);
      expect(health.plans[0]?.lastSuccess?.verification).toBe('passed');
    } finally {
      runCatalog.close();
    }
  });
});
