import { resolveConnection, type ConnectionSpec } from '../../config/index.js';
import { resolveTarget } from '../../engines/registry.js';
import { LifeboatError } from '../../errors/index.js';
import type { JobContext } from '../context.js';
import type { PlanSettings } from './plan-settings.js';

/**
 * The connections one run of `plan` backs up: its connection, or with `databases:` every
 * database the server has now (discovered at each run, so a database created yesterday is
 * backed up tonight) minus `exclude`, one artifact each.
 */
export async function planConnections(
  ctx: JobContext,
  plan: PlanSettings,
  signal: AbortSignal,
): Promise<ConnectionSpec[]> {
  const base = resolveConnection(ctx.config, plan.config.connection);
  if (plan.databases === undefined) return [base];
  const { engine, target } = resolveTarget(base.url, base.baseDir ?? ctx.config.baseDir);
  if (engine.listDatabases === undefined) {
    throw new LifeboatError(
      'ENGINE_UNSUPPORTED',
      `plan "${plan.name}" uses "databases", which is not supported for ${engine.name} connections`,
      {
        hint: `a ${engine.name} connection is one database; remove "databases" and "exclude" from the plan`,
        details: { plan: plan.name, engine: engine.name },
      },
    );
  }
  const found = await engine.listDatabases(target, { signal });
  const wanted = plan.databases === 'all' ? found.map((d) => d.name) : plan.databases;
  const missing = wanted.filter((name) => !found.some((d) => d.name === name));
  if (missing.length) {
    throw new LifeboatError(
      'DB_NOT_FOUND',
      `plan "${plan.name}" names database "${missing[0]}", which the server does not have`,
      { hint: `databases on the server: ${found.map((d) => d.name).join(', ') || '(none)'}` },
    );
  }
  return found
    .filter((d) => wanted.includes(d.name) && !plan.exclude.includes(d.name))
    .map((d) => ({
      name: `${base.name}-${d.name}`.replace(/[^A-Za-z0-9_-]/g, '_'),
      url: d.url,
      protected: base.protected,
      ...(base.baseDir === undefined ? {} : { baseDir: base.baseDir }),
    }));
}
