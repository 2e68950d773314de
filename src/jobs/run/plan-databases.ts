import { resolveConnection, type ConnectionSpec } from '../../config/index.js';
import { resolveTarget } from '../../engines/registry.js';
import { LifeboatError } from '../../errors/index.js';
import type { JobContext } from '../context.js';
import type { PlanSettings } from './plan-settings.js';

/** One backup a plan run makes. */
export interface PlannedBackup {
  readonly connection: ConnectionSpec;
  /** The server's database this backs up, for plans with `databases:`. */
  readonly database?: string;
}

/**
 * The backups one run of `plan` makes: its connection, or with `databases:` every database
 * the server has now (discovered at each run, so a database created yesterday is backed up
 * tonight) minus `exclude`, one artifact each. The engine leaves out system databases
 * (template0/1; mysql, information_schema, performance_schema, sys) and lifeboat's own
 * scratch databases; `exclude` entries may use `*` for any characters.
 */
export async function planConnections(
  ctx: JobContext,
  plan: PlanSettings,
  signal: AbortSignal,
): Promise<PlannedBackup[]> {
  const base = resolveConnection(ctx.config, plan.config.connection);
  if (plan.databases === undefined) return [{ connection: base }];
  const found = await listDatabases(ctx, plan, signal);
  const wanted = plan.databases === 'all' ? found.map((d) => d.name) : plan.databases;
  const missing = wanted.filter((name) => !found.some((d) => d.name === name));
  if (missing.length) {
    throw new LifeboatError(
      'DB_NOT_FOUND',
      `plan "${plan.name}" names database "${missing[0]}", which the server does not have`,
      { hint: `databases on the server: ${found.map((d) => d.name).join(', ') || '(none)'}` },
    );
  }
  const excluded = plan.exclude.map(pattern);
  return found
    .filter((d) => wanted.includes(d.name) && !excluded.some((re) => re.test(d.name)))
    .map((d) => ({
      database: d.name,
      connection: {
        name: `${base.name}-${d.name}`.replace(/[^A-Za-z0-9_-]/g, '_'),
        url: d.url,
        protected: base.protected,
        ...(base.baseDir === undefined ? {} : { baseDir: base.baseDir }),
      },
    }));
}

/**
 * Whether `database` is still on the server after its backup failed: `gone` when it was
 * dropped between the run's discovery and its backup, `present` when it is still there, and
 * `unknown` when the server cannot be listed (then the server, not the database, is in
 * trouble).
 */
export async function databaseState(
  ctx: JobContext,
  plan: PlanSettings,
  database: string,
  signal: AbortSignal,
): Promise<'gone' | 'present' | 'unknown'> {
  try {
    const found = await listDatabases(ctx, plan, signal);
    return found.some((d) => d.name === database) ? 'present' : 'gone';
  } catch {
    return 'unknown';
  }
}

async function listDatabases(
  ctx: JobContext,
  plan: PlanSettings,
  signal: AbortSignal,
): Promise<readonly { readonly name: string; readonly url: string }[]> {
  const base = resolveConnection(ctx.config, plan.config.connection);
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
  return engine.listDatabases(target, { signal });
}

/** An `exclude` entry as a whole-name match; `*` stands for any characters. */
function pattern(entry: string): RegExp {
  const body = entry
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
