import type { Server } from 'node:http';
import { LifeboatError } from '../errors/index.js';
import { checkHealth } from '../health/plan-health.js';
import { PlanMetrics } from '../health/metrics.js';
import type { JobContext } from '../jobs/context.js';
import { planSettings } from '../jobs/run/plan-settings.js';
import { runPlan } from '../jobs/run/run-plan.js';
import type { PruneStep } from '../jobs/run/run-types.js';
import type { Clock } from './clock.js';
import { eventsToLog, type DaemonLog } from './daemon-log.js';
import { Scheduler, type ScheduledPlan } from './scheduler.js';

/** Options of {@link runDaemon}. */
export interface DaemonOptions {
  readonly log: DaemonLog;
  /** Serve Prometheus metrics on this port (127.0.0.1 unless `metricsHost`). */
  readonly metricsPort?: number;
  readonly metricsHost?: string;
  /** Called once metrics are served, with the actual port (useful with port 0). */
  readonly onMetrics?: (port: number) => void;
  readonly prune?: PruneStep;
  readonly clock?: Clock;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs every scheduled plan until `ctx.signal` fires, then lets running work abort cleanly
 * and returns. Each plan run is logged from start to outcome; with a metrics port, each
 * outcome also updates the Prometheus series.
 */
export async function runDaemon(ctx: JobContext, options: DaemonOptions): Promise<void> {
  const { log } = options;
  const env = options.env ?? process.env;
  const all = planSettings(ctx.config, env);
  const plans: ScheduledPlan[] = all.flatMap((p) =>
    p.schedule ? [{ name: p.name, schedule: p.schedule, catchUp: p.catchUp }] : [],
  );
  if (plans.length === 0) {
    throw new LifeboatError('USAGE', 'no plan has a schedule; the daemon has nothing to do', {
      hint: 'add e.g. schedule: "daily at 02:00" to a plan in lifeboat.yaml, or use "lifeboat run <plan>"',
    });
  }
  const metrics = new PlanMetrics();
  let server: Server | undefined;
  if (options.metricsPort !== undefined) {
    metrics.seed(await checkHealth(ctx.catalog, ctx.config, all));
    const served = await metrics.serve(options.metricsPort, options.metricsHost);
    server = served.server;
    options.onMetrics?.(served.port);
    log({
      level: 'info',
      event: 'metrics',
      port: served.port,
      message: `metrics on http://${options.metricsHost ?? '127.0.0.1'}:${served.port}/metrics`,
    });
  }
  log({
    level: 'info',
    event: 'daemon-started',
    plans: plans.map((p) => p.name),
    message: `scheduling ${plans.map((p) => `"${p.name}" (${p.schedule.source})`).join(', ')}`,
  });
  const scheduler = new Scheduler({
    plans,
    ...(options.clock ? { clock: options.clock } : {}),
    log: (entry) => log({ ...entry }),
    lastRun: (plan) => {
      const last = ctx.catalog
        .history({ operation: 'run', limit: 500 })
        .find((r) => r.details?.plan === plan);
      return last ? new Date(last.startedAt) : null;
    },
    run: async (plan, reason, signal) => {
      const result = await runPlan({ ...ctx, signal, events: eventsToLog(log, plan) }, plan, {
        reason,
        env,
        ...(options.prune ? { prune: options.prune } : {}),
      });
      metrics.observe(result);
      log({
        level: result.status === 'failed' ? 'error' : result.status === 'partial' ? 'warn' : 'info',
        event: 'run-finished',
        plan,
        status: result.status,
        durationMs: result.durationMs,
        artifacts: result.artifacts.map((a) => a.artifact),
        // A databases plan: which database ended how, so one failing database is findable.
        ...(result.databases.length > 0 ? { databases: result.databases } : {}),
        ...(result.error ? { error: result.error.toJSON(), stage: result.stage } : {}),
        message: result.error
          ? `run ${result.status} in ${result.stage ?? 'start'}: ${result.error.message}`
          : `run ${result.status}: ${result.artifacts.map((a) => a.artifact).join(', ')}`,
      });
    },
  });
  try {
    await scheduler.start(ctx.signal);
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    log({ level: 'info', event: 'daemon-stopped', message: 'daemon stopped' });
  }
}
