/** Running backup plans: hooks, backups, verification, retention and notifications. */
export { runPlan } from './run-plan.js';
export { prunePlan } from './prune-step.js';
export {
  DEFAULT_STALL_TIMEOUT_MS,
  planSettings,
  planSettingsFor,
  type PlanSettings,
} from './plan-settings.js';
export { notifyTuning } from './notify-run.js';
export { runHooks, type HookOptions } from './hooks.js';
export { watchRun, type RunWatch, type RunWatchOptions } from './run-watch.js';
export type {
  DatabaseOutcome,
  PlanArtifact,
  PlanRunOptions,
  PlanRunResult,
  PruneOutcome,
  PruneStep,
  RunReason,
} from './run-types.js';
