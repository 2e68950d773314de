import { runList } from '../../jobs/list/list-job.js';
import { formatBytes, formatCount } from '../../progress/format.js';
import { withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/** `lifeboat list [connection]`: backups newest first, from the storages themselves. */
export default async function list(
  rt: CommandRuntime,
  connection: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const { artifacts, problems } = await runList(ctx, {
      ...(typeof connection === 'string' ? { connection } : {}),
      ...(typeof opts.storage === 'string' ? { storage: opts.storage } : {}),
    });
    ctx.close();
    if (rt.json) {
      rt.printJson({
        ok: true,
        artifacts: artifacts.map((a) => ({
          artifact: a.key,
          storage: a.storage,
          connection: a.manifest.connection.name,
          engine: a.manifest.engine,
          createdAt: a.manifest.finishedAt,
          tag: a.manifest.tag,
          size: a.manifest.size,
          sha256: a.manifest.sha256,
          tables: a.manifest.tables.length,
          rows: a.manifest.tables.reduce((s, t) => s + t.rows, 0),
          verified: a.verified,
        })),
        problems,
      });
      return 0;
    }
    problems.forEach((p) => rt.output.err.write(`warning: ${p.storage}:${p.key}: ${p.message}\n`));
    if (artifacts.length === 0) {
      rt.output.err.write('no backups found\n');
      return 0;
    }
    const rows = artifacts.map((a) => [
      a.key,
      a.storage,
      a.manifest.finishedAt.replace('T', ' ').slice(0, 19),
      formatBytes(a.manifest.size),
      String(a.manifest.tables.length),
      formatCount(a.manifest.tables.reduce((s, t) => s + t.rows, 0)),
      a.verified ? `${a.verified.status}${a.verified.deep ? ' (deep)' : ''}` : '-',
    ]);
    rt.output.out.write(
      table(['ARTIFACT', 'STORAGE', 'CREATED (UTC)', 'SIZE', 'TABLES', 'ROWS', 'VERIFIED'], rows),
    );
    return 0;
  });
}
