import { int, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/** `lifeboat history [connection]`: operations newest first. */
export default async function history(
  rt: CommandRuntime,
  connection: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const records = ctx.catalog.history({
      limit: int(opts.limit, '--limit') ?? 50,
      ...(typeof connection === 'string' ? { connection } : {}),
    });
    ctx.close();
    if (rt.json) {
      rt.printJson({ ok: true, operations: records });
      return 0;
    }
    if (records.length === 0) {
      rt.output.err.write('no history yet\n');
      return 0;
    }
    const rows = records.map((r) => [
      r.startedAt.replace('T', ' ').slice(0, 19),
      r.operation,
      r.connection ?? '-',
      r.status,
      r.artifact ?? '-',
      r.user ?? '-',
      r.error ? `${r.error.code}: ${r.error.message}` : '',
    ]);
    rt.output.out.write(
      table(
        ['STARTED (UTC)', 'OPERATION', 'CONNECTION', 'STATUS', 'ARTIFACT', 'USER', 'ERROR'],
        rows,
      ),
    );
    return 0;
  });
}
