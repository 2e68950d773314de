import type { DatabaseInfo, MaintenanceReport } from '../../engines/engine.js';
import { resolveTarget } from '../../engines/registry.js';
import { LifeboatError } from '../../errors/index.js';
import { resolveConnection } from '../../config/index.js';
import type { JobContext } from '../context.js';

/** The `lifeboat db` actions. */
export const MAINTENANCE_ACTIONS = ['info', 'optimize', 'check', 'repair'] as const;
export type MaintenanceAction = (typeof MAINTENANCE_ACTIONS)[number];

/** What `lifeboat db` found or did. */
export type MaintenanceResult =
  | { readonly kind: 'info'; readonly connection: string; readonly info: DatabaseInfo }
  | { readonly kind: 'report'; readonly connection: string; readonly report: MaintenanceReport };

/**
 * Runs a maintenance action through the engine. Actions that change the database (optimize,
 * repair) are recorded in the catalog like backups and restores.
 */
export async function runMaintenance(
  ctx: JobContext,
  options: { action: MaintenanceAction; connection?: string },
): Promise<MaintenanceResult> {
  if (!MAINTENANCE_ACTIONS.includes(options.action)) {
    throw new LifeboatError('USAGE', `unknown db action "${String(options.action)}"`, {
      hint: `use one of: ${MAINTENANCE_ACTIONS.join(', ')}`,
    });
  }
  const connection = resolveConnection(ctx.config, options.connection);
  const { engine, target } = resolveTarget(
    connection.url,
    connection.baseDir ?? ctx.config.baseDir,
  );
  const maintenance = engine.maintenance;
  if (!maintenance) {
    throw new LifeboatError(
      'ENGINE_UNSUPPORTED',
      `"lifeboat db ${options.action}" is not available for ${engine.name} yet`,
      {
        hint: 'backup, verify and restore work; maintenance commands come with a later version',
      },
    );
  }
  const call = { signal: ctx.signal };
  if (options.action === 'info') {
    return {
      kind: 'info',
      connection: connection.name,
      info: await maintenance.info(target, call),
    };
  }
  const opId = ctx.catalog.startOperation({
    operation: `db-${options.action}`,
    connection: connection.name,
  });
  try {
    const report = await maintenance[options.action](target, call);
    ctx.catalog.finishOperation(opId, {
      status: report.ok ? 'succeeded' : 'failed',
      details: {
        tables: report.tables.length,
        problems: report.tables.filter((t) => t.status === 'error').length,
      },
    });
    return { kind: 'report', connection: connection.name, report };
  } catch (err) {
    const error =
      err instanceof LifeboatError
        ? err
        : new LifeboatError('DB_ERROR', String(err), { cause: err });
    ctx.catalog.finishOperation(opId, {
      status: 'failed',
      error: { code: error.code, message: error.message },
    });
    throw error;
  }
}
