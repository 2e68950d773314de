import { runDemo } from '../../demo/run-demo.js';
import { formatBytes, formatCount, formatDuration } from '../../progress/format.js';
import { int } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/** `lifeboat demo`: create, back up, deep-verify, and print what happened. */
export default async function demo(
  rt: CommandRuntime,
  opts: Record<string, unknown>,
): Promise<number> {
  const result = await runDemo({
    dir: typeof opts.dir === 'string' ? opts.dir : 'lifeboat-demo',
    scale: int(opts.scale, '--scale') ?? 1,
    signal: rt.signal,
    events: rt.renderer.sink,
    ...(typeof opts.url === 'string' ? { url: opts.url } : {}),
    force: opts.force === true,
  });
  rt.renderer.close();
  const b = result.backup;
  const v = b.verification;
  if (rt.json) {
    const { manifest: _m, ...backup } = b;
    rt.printJson({
      ok: true,
      database: result.database,
      databaseBytes: result.databaseBytes,
      tables: result.tables,
      rows: result.rows,
      backup,
    });
    return 0;
  }
  const ratio = b.manifest.content.size > 0 ? (b.size / b.manifest.content.size) * 100 : 0;
  rt.output.out.write(
    [
      '',
      'lifeboat demo',
      `  database   ${result.database} (${formatBytes(result.databaseBytes)}, ${result.tables} tables, ${formatCount(result.rows)} rows)`,
      `  backup     ${b.artifact}`,
      `             ${formatBytes(b.size)} gzip (${ratio.toFixed(0)}% of ${formatBytes(b.manifest.content.size)} SQL) in ${formatDuration(b.durationMs)}`,
      `  sha256     ${b.sha256}`,
      `  verify     ${v?.ok ? 'ok' : 'FAILED'} (deep): restored into a scratch database in ${formatDuration(v?.restoreMs ?? 0)}, ${v?.tables.length ?? 0} tables match row counts and checksums`,
      `  next       cd ${opts.dir as string} && lifeboat list && lifeboat inspect ${b.artifact}`,
      '',
    ].join('\n'),
  );
  return v?.ok ? 0 : 8;
}
