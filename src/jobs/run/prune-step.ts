import { runPrune } from '../prune/prune-job.js';
import type { PruneStep } from './run-types.js';

/**
 * The default retention step of a plan run: the prune job, limited to the plan's destinations
 * and to the connections just backed up, without asking (a schedule has nobody to ask).
 * Deletions that fail are warnings: the new backup is stored, and the next run tries again.
 *
 * A `databases:` plan's artifacts carry one connection name per database
 * (`<connection>-<database>`), which no plan names, so the plan's own retention is applied to
 * them. A database whose backup failed in this run is not pruned at all: its newest good
 * backup (and the rest of its history) stays until it has a new one.
 */
export const prunePlan: PruneStep = async (ctx, plan, _signal, connections) => {
  const removed: string[] = [];
  const warnings: string[] = [];
  if (connections.length === 0) return { removed, warnings };
  const perDatabase = plan.databases !== undefined;
  for (const storage of plan.config.to) {
    const result = await runPrune(ctx, {
      ...(perDatabase ? { connections } : { connection: plan.config.connection }),
      ...(perDatabase && plan.config.retention ? { policy: plan.config.retention } : {}),
      storage,
      force: true,
    });
    for (const item of result.items) {
      if (item.keep) continue;
      if (item.error)
        warnings.push(`pruning "${item.key}" in "${storage}" failed: ${item.error.message}`);
      else removed.push(`${storage}/${item.key}`);
    }
  }
  return { removed, warnings };
};
