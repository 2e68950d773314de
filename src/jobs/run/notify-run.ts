import { buildMessage, channelsFor, deliver, type DeliveryOptions } from '../../notify/index.js';
import type { JobContext } from '../context.js';
import type { PlanSettings } from './plan-settings.js';
import type { PlanRunResult } from './run-types.js';

/** Delivery tuning, for tests that cannot wait for real backoff. */
export const notifyTuning: { attempts: number; backoffMs: number } = {
  attempts: 3,
  backoffMs: 1000,
};

/**
 * Tells the configured channels how a run ended. Delivery failures are warnings and catalog
 * records, never errors: the run's outcome is already decided.
 */
export async function notifyRun(
  ctx: JobContext,
  plan: PlanSettings,
  run: Omit<PlanRunResult, 'notifications'>,
): Promise<{ channel: string; ok: boolean }[]> {
  const channels = channelsFor(ctx.config.notify);
  if (channels.length === 0) return [];
  const message = buildMessage({
    plan: plan.name,
    connection: plan.config.connection,
    status: run.status,
    durationMs: run.durationMs,
    storages: plan.config.to,
    artifacts: run.artifacts,
    warnings: run.warnings,
    databases: run.databases,
    ...(run.stage === undefined ? {} : { stage: run.stage }),
    ...(run.error
      ? {
          error: {
            code: run.error.code,
            message: run.error.message,
            ...(run.error.hint === undefined ? {} : { hint: run.error.hint }),
          },
        }
      : {}),
  });
  const options: DeliveryOptions = {
    plan: plan.name,
    connection: plan.config.connection,
    attempts: notifyTuning.attempts,
    backoffMs: notifyTuning.backoffMs,
  };
  const results = await deliver(ctx, channels, message, options);
  return results.map((r) => ({ channel: r.channel, ok: r.ok }));
}
