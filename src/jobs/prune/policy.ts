import type { PlanConfig, ResolvedConfig, RetentionConfig } from '../../config/index.js';

/**
 * The retention policy of one connection's artifacts in one storage: the `retention` of the
 * plans that back this connection up to this storage (several plans merge, each rule taking
 * the largest count, so no plan loses what it keeps), else `defaults.retention`, else none —
 * and no policy keeps everything.
 */
export function retentionFor(
  config: ResolvedConfig,
  connection: string,
  storage: string,
): RetentionConfig | undefined {
  const fromPlans = Object.values(config.plans)
    .filter((p) => p.to.includes(storage) && p.retention && backsUp(config, p, connection))
    .map((p) => p.retention as RetentionConfig);
  if (fromPlans.length === 0) return config.defaults.retention;
  const merged: Record<string, number> = {};
  for (const policy of fromPlans) {
    for (const [rule, count] of Object.entries(policy)) {
      if (typeof count === 'number') merged[rule] = Math.max(merged[rule] ?? 0, count);
    }
  }
  return merged as RetentionConfig;
}

/**
 * Whether `plan` produces the artifacts of `connection`: its own connection, or, for a plan
 * over several databases, `<connection>-<database>` (the name its artifacts carry) — unless
 * that name is a configured connection of its own.
 */
function backsUp(config: ResolvedConfig, plan: PlanConfig, connection: string): boolean {
  if (plan.connection === connection) return true;
  if (plan.databases === undefined || connection in config.connections) return false;
  return connection.startsWith(`${plan.connection}-`);
}
