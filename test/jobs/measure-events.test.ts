import { PassThrough } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../src/jobs/backup/backup-job.js';
import { runRestore } from '../../src/jobs/restore/restore-job.js';
import { runVerify } from '../../src/jobs/verify/verify-job.js';
import type { JobEvent } from '../../src/progress/events.js';
import { createRenderer } from '../../src/progress/renderer.js';
import { tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { recordingContext } from '../support/job-context.js';

const MESSAGE = 'checking restored tables against the manifest';

/**
 * The events of a restore's measuring pass, in the order a job emits them: one phase after
 * the last bytes, then per table a table-start, rows while it is read, and one table-done.
 */
function expectMeasuringEvents(events: readonly JobEvent[], phase: string, tables: number): void {
  const at = events.findIndex((e) => e.type === 'phase' && e.message === MESSAGE);
  expect(events[at]).toEqual({ type: 'phase', phase, message: MESSAGE });
  expect(events.filter((e) => e.type === 'phase' && e.message === MESSAGE)).toHaveLength(1);
  expect(events.slice(at).some((e) => e.type === 'bytes')).toBe(false);
  const after = events.slice(at + 1);
  const starts = after.filter((e) => e.type === 'table-start');
  expect(starts).toHaveLength(tables);
  const done = after.filter((e) => e.type === 'table-done');
  expect(done).toHaveLength(tables);
  expect(events.slice(0, at).some((e) => e.type === 'table-done')).toBe(false);
  // `users` holds 40,000 rows: reported while it was read, growing.
  const users = after.flatMap((e) => (e.type === 'rows' && e.table === 'users' ? [e.rows] : []));
  expect(users.filter((n) => n > 0 && n < 40_000).length).toBeGreaterThanOrEqual(2);
  expect(users).toEqual([...users].sort((a, b) => a - b));
}

describe('measuring events of restore and verify --deep', () => {
  it(
    'emit a phase, table-start, rows and one table-done per table',
    { timeout: 60_000 },
    async () => {
      const dir = tempDir();
      makeAppDb(dir, 'app.db', 40_001);
      makeAppDb(dir, 'copy.db', 5);
      writeFileSync(
        join(dir, 'lifeboat.yaml'),
        'connections:\n  app: { url: "sqlite:./app.db" }\n  copy: { url: "sqlite:./copy.db" }\n',
      );
      const ctx = await recordingContext(dir);
      const events = ctx.recorded;
      try {
        const backup = await runBackup({ ...ctx, events: () => undefined }, { connection: 'app' });

        const deep = await runVerify(ctx, { artifact: backup.artifact, deep: true });
        expect(deep.ok).toBe(true);
        expectMeasuringEvents(events, 'verify', deep.tables.length);

        events.length = 0;
        const restored = await runRestore(ctx, {
          artifact: backup.artifact,
          to: 'copy',
          force: true,
          // The safety backup's own table events would come first; this test is about the restore.
          safetyBackup: false,
        });
        expect(restored.status).toBe('succeeded');
        expectMeasuringEvents(events, 'restore', restored.tables.length);
        const done = events.flatMap((e) => (e.type === 'table-done' ? [e.summary] : []));
        expect(done).toEqual(restored.tables);
      } finally {
        ctx.close();
      }
    },
  );

  it('a terminal bar comes back after the measuring phase line, where it was', async () => {
    const err = new PassThrough();
    let text = '';
    err.on('data', (d: Buffer) => (text += d.toString()));
    Object.assign(err, { isTTY: true });
    const r = createRenderer({ err, out: new PassThrough() }, { json: false, env: {} });
    const summary = (name: string) => ({ name, rows: 10, checksum: 'x:1' });
    r.sink({ type: 'tables', total: 3 });
    r.sink({ type: 'bytes', bytes: 1 << 20 });
    r.sink({ type: 'phase', phase: 'restore', message: MESSAGE });
    const atPhase = text.length;
    r.sink({ type: 'table-start', table: 'users', index: 0, total: 3 });
    r.sink({ type: 'rows', table: 'users', rows: 5 });
    r.sink({ type: 'table-done', summary: summary('users') });
    r.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text).toContain(`${MESSAGE}\n`);
    // Drawn again after the phase line, with the table being measured and its rows.
    const after = text.slice(atPhase);
    expect(after).toMatch(/1\/3 tables \| 10 rows \| 1\.0 MiB .*\| users/);
  });
});
