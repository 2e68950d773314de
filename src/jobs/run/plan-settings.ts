import type { PlanConfig, ResolvedConfig } from '../../config/index.js';
import { LifeboatError } from '../../errors/index.js';
import { didYouMean } from '../../config/suggest.js';
import { parseSchedule, type Schedule } from '../../scheduler/schedule.js';

/** Stall timeout when a plan does not set one. */
export const DEFAULT_STALL_TIMEOUT_MS = 10 * 60_000;

/** A plan with every run setting decided. */
export interface PlanSettings {
  readonly name: string;
  readonly config: PlanConfig;
  readonly schedule: Schedule | undefined;
  readonly catchUp: boolean;
  readonly pre: readonly string[];
  readonly post: readonly string[];
  readonly stallTimeoutMs: number;
  readonly timeoutMs: number | undefined;
  readonly databases: 'all' | readonly string[] | undefined;
  readonly exclude: readonly string[];
  readonly tag: string | undefined;
}

/** Every plan of the config with its run settings decided. */
export function planSettings(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv = process.env,
): PlanSettings[] {
  return Object.values(config.plans).map((plan) => settingsOf(plan, env));
}

/** One plan's settings; fails with USAGE naming the configured plans when it does not exist. */
export function planSettingsFor(
  config: ResolvedConfig,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): PlanSettings {
  const plan = config.plans[name];
  if (plan) return settingsOf(plan, env);
  const names = Object.keys(config.plans);
  throw new LifeboatError('USAGE', `unknown plan "${name}"`, {
    hint: names.length
      ? `${didYouMean(name, names)}configured plans: ${names.join(', ')}`
      : 'define one under "plans:" in lifeboat.yaml',
    details: { plan: name, available: names },
  });
}

function settingsOf(plan: PlanConfig, env: NodeJS.ProcessEnv): PlanSettings {
  const timezone = plan.timezone ?? (env.TZ || undefined);
  return {
    name: plan.name,
    config: plan,
    schedule: plan.schedule === undefined ? undefined : parseSchedule(plan.schedule, timezone),
    catchUp: plan.catchUp ?? true,
    pre: plan.pre ?? [],
    post: plan.post ?? [],
    stallTimeoutMs: plan.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
    timeoutMs: plan.timeoutMs,
    databases: plan.databases,
    exclude: plan.exclude ?? [],
    tag: plan.tag,
  };
}
