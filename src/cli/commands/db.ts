import type { MaintenanceReport } from '../../engines/engine.js';
import { runMaintenance, type MaintenanceAction } from '../../jobs/maintenance/maintenance-job.js';
import { formatBytes, formatCount } from '../../progress/format.js';
import { withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/** `lifeboat db info|optimize|check|repair [connection]`. */
export default async function db(
  rt: CommandRuntime,
  action: unknown,
  connection: unknown,
  _opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const result = await runMaintenance(ctx, {
      action: action as MaintenanceAction,
      ...(typeof connection === 'string' ? { connection } : {}),
    });
    ctx.close();
    if (rt.json) {
      rt.printJson({ ok: result.kind === 'info' || result.report.ok, ...result });
      return result.kind === 'report' && !result.report.ok ? 1 : 0;
    }
    if (result.kind === 'info') {
      const i = result.info;
      rt.output.out.write(
        `${i.database}: ${formatBytes(i.sizeBytes)}, ${i.tables.length} tables, server ${i.serverVersion}\n`,
      );
      rt.output.out.write(
        table(
          ['TABLE', 'ROWS', 'SIZE'],
          i.tables.map((t) => [t.name, formatCount(t.rows), formatBytes(t.sizeBytes)]),
        ),
      );
      return 0;
    }
    rt.output.out.write(describeReport(result.report));
    return result.report.ok ? 0 : 1;
  });
}

function describeReport(report: MaintenanceReport): string {
  const rows = report.tables.map((t) => [t.table, t.status, t.message ?? '']);
  const notes = report.notes.map((n) => `note: ${n}\n`).join('');
  return table(['TABLE', 'STATUS', 'MESSAGE'], rows) + notes;
}
