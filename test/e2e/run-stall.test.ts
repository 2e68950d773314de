import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { DumpWriter } from '../../src/engines/engine.js';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { runDump, writerFor } from '../../src/jobs/backup/dump.js';
import { runPlan, watchRun } from '../../src/jobs/run/index.js';
import { buildBackupPipeline } from '../../src/pipeline/backup-pipeline.js';
import type { JobEvent } from '../../src/progress/events.js';
import { DataFlow } from '../../src/progress/flow.js';
import { tempDir } from '../support/cli.js';
import { makeAppDb } from '../support/fixture-db.js';

/** Dumps a real SQLite database through `writer` under a stall watch of `stallMs`. */
async function dumpWatched(
  writer: (signal: AbortSignal) => DumpWriter,
  after?: (signal: AbortSignal) => Promise<void>,
) {
  const dir = tempDir();
  const target = sqliteEngine.parseUrl(`sqlite:${makeAppDb(dir, 'app.db', 2000)}`, dir);
  const events: JobEvent[] = [];
  const watch = watchRun(new AbortController().signal, (e) => events.push(e), {
    plan: 'nightly',
    stallMs: 1000,
    timeoutMs: undefined,
  });
  watch.arm();
  const started = Date.now();
  const session = await sqliteEngine.openDump(
    target,
    { schema: true, data: true },
    { signal: watch.signal },
  );
  let caught: unknown;
  try {
    watch.sink({ type: 'phase', phase: 'dump', message: 'dumping' });
    await runDump(session, writer(watch.signal), watch.sink, watch.signal);
    await after?.(watch.signal);
  } catch (err) {
    caught = err;
  } finally {
    await session.close();
    watch.stop();
  }
  return { caught, reason: watch.reason(), elapsed: Date.now() - started, events };
}

describe('stall detection', () => {
  it('aborts a dump whose writer stops taking data, naming the dump stage', async () => {
    // A writer that takes a few chunks and then never returns: the pipeline stopped mid-dump.
    const { reason, caught, elapsed } = await dumpWatched((signal) => {
      let writes = 0;
      return {
        write: () =>
          ++writes < 5
            ? Promise.resolve()
            : new Promise<void>((_, reject) =>
                signal.addEventListener('abort', () => reject(signal.reason as Error), {
                  once: true,
                }),
              ),
      };
    });
    expect(isLifeboatError(reason, 'STALLED')).toBe(true);
    expect(reason?.message).toBe('plan "nightly" stalled in dump: no data moved for 1s');
    expect(reason?.hint).toMatch(/locks/);
    expect(caught).toBe(reason);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(5000);
  });

  it('names the upload stage when the dump is done but the destination stops reading', async () => {
    // The stream buffers the whole (small) dump, then nobody reads it: a stuck upload.
    const stuck = new PassThrough({ highWaterMark: 64 << 20 });
    const { reason } = await dumpWatched(
      (signal) => writerFor(stuck, signal),
      async (signal) => {
        stuck.end();
        // As the backup job awaits its puts: only the watch can end this wait.
        await once(stuck, 'end', { signal });
      },
    );
    expect(isLifeboatError(reason, 'STALLED')).toBe(true);
    expect(reason?.details).toMatchObject({ stage: 'upload', stallTimeoutMs: 1000 });
  });

  it('counts bytes moving through the pipeline as progress, with no event for many timeouts', async () => {
    const watch = watchRun(new AbortController().signal, () => undefined, {
      plan: 'nightly',
      stallMs: 300,
      timeoutMs: undefined,
    });
    const p = buildBackupPipeline({ compression: 'none', signal: watch.signal });
    const flow = new DataFlow();
    flow.add(...p.flow);
    watch.sink({ type: 'flow', flow });
    watch.sink({ type: 'phase', phase: 'dump', message: 'dumping' });
    watch.arm();
    const started = Date.now();
    try {
      // A reader that takes 64 KiB every 100 ms: 2 MiB take ~3 s, ten stall timeouts, and
      // only the byte counters tell the watch that data still moves.
      const reading = (async () => {
        for await (const _chunk of p.output.iterator({ destroyOnReturn: false })) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const writer = writerFor(p.input, watch.signal);
      for (let i = 0; i < 32; i++) await writer.write(Buffer.alloc(64 * 1024, 'x'));
      p.input.end();
      await reading;
    } finally {
      watch.stop();
    }
    expect(Date.now() - started).toBeGreaterThan(1500);
    expect(watch.reason()).toBeUndefined();
  });

  it('a plan over its timeout is stopped with TIMEOUT while its pre hook runs', async () => {
    const dir = tempDir();
    makeAppDb(dir);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        'connections: { app: { url: "sqlite:./app.db" } }',
        'plans:',
        '  nightly: { connection: app, timeout: 1s, pre: "sleep 20", post: "echo $LIFEBOAT_STATUS > post.txt" }',
        '',
      ].join('\n'),
    );
    const config = await loadConfig({ cwd: dir, env: {} });
    const catalog = Catalog.open(config.catalog.path);
    try {
      const started = Date.now();
      const result = await runPlan(
        {
          config,
          cwd: dir,
          catalog,
          signal: new AbortController().signal,
          events: () => undefined,
        },
        'nightly',
        { env: { PATH: process.env.PATH } },
      );
      expect(Date.now() - started).toBeLessThan(8000);
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe('TIMEOUT');
      expect(result.stage).toBe('pre-hooks');
      expect(result.artifacts).toEqual([]);
      const [run] = catalog.history({ operation: 'run' });
      expect(run).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    } finally {
      catalog.close();
    }
  });
});
