import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../src/jobs/backup/backup-job.js';
import { runVerify } from '../../src/jobs/verify/verify-job.js';
import { tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';
import { recordingContext } from '../support/job-context.js';

/**
 * A verification reports the bytes it reads: a plan's stall watch counts them as progress
 * (a long verify is not a stall) and a terminal shows a bar for a deep one.
 */
describe('verify progress', () => {
  it('reports bytes as it reads, and tables for a deep verify', async () => {
    const dir = tempDir();
    makeAppDb(dir, 'app.db', 40_000);
    writeFileSync(join(dir, 'lifeboat.yaml'), 'connections:\n  app: { url: "sqlite:./app.db" }\n');
    const ctx = await recordingContext(dir);
    const events = ctx.recorded;
    try {
      const backup = await runBackup(
        { ...ctx, events: () => undefined },
        {
          connection: 'app',
          compress: 'none',
        },
      );
      expect(backup.size).toBeGreaterThan(3 << 20);

      const file = await runVerify(ctx, { artifact: backup.artifact });
      expect(file.ok).toBe(true);
      const read = events.flatMap((e) => (e.type === 'bytes' ? [e.bytes] : []));
      expect(read.length).toBeGreaterThanOrEqual(3);
      expect(read).toEqual([...read].sort((a, b) => a - b));
      expect(read.at(-1)).toBe(backup.size);
      expect(events.some((e) => e.type === 'tables')).toBe(false);

      events.length = 0;
      const deep = await runVerify(ctx, { artifact: backup.artifact, deep: true });
      expect(deep.ok).toBe(true);
      const tables = events.find((e) => e.type === 'tables');
      expect(tables).toMatchObject({ type: 'tables', total: deep.tables.length });
      expect(events.filter((e) => e.type === 'table-done')).toHaveLength(deep.tables.length);
      expect(events.filter((e) => e.type === 'bytes').length).toBeGreaterThanOrEqual(3);
    } finally {
      ctx.close();
    }
  });
});
