import { runPrune } from '../prune/prune-job.js';
import type { PruneStep } from './run-types.js';

/**
 * The default retention step of a plan run: the prune job, limited to the plan's connection
 * and destinations, without asking (a schedule has nobody to ask). Deletions that fail are
 * warnings: the new backup is stored, and the next run tries again.
 */
export const prunePlan: PruneStep = async (ctx, plan) => {
  const removed: string[] = [];
  const warnings: string[] = [];
  for (const storage of plan.config.to) {
    const result = await runPrune(ctx, {
      connection: plan.config.connection,
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
