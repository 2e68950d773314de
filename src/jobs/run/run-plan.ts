import { hostname } from 'node:os';
import { toLifeboatError, type LifeboatError } from '../../errors/index.js';
import { runBackup, type BackupResult } from '../backup/backup-job.js';
import type { JobContext } from '../context.js';
import { runHooks } from './hooks.js';
import { notifyRun } from './notify-run.js';
import { planConnections } from './plan-databases.js';
import { planSettingsFor, type PlanSettings } from './plan-settings.js';
import { prunePlan } from './prune-step.js';
import { watchRun } from './run-watch.js';
import type { PlanArtifact, PlanRunOptions, PlanRunResult, PruneOutcome } from './run-types.js';

/**
 * Runs one plan now: pre hooks -> backup (one artifact per database) -> verify -> prune ->
 * post hooks -> notify. Never throws for a failed run: the result says how it ended, the
 * catalog records it as a `run` operation, post hooks and notifications hear about it.
 * Aborting `ctx.signal` (daemon shutdown), a stall or the plan's timeout stop the work
 * cleanly; the backup job guarantees nothing partial looks valid.
 */
export async function runPlan(
  ctx: JobContext,
  planName: string,
  options: PlanRunOptions = {},
): Promise<PlanRunResult> {
  const env = options.env ?? process.env;
  const plan = planSettingsFor(ctx.config, planName, env);
  const reason = options.reason ?? 'manual';
  const started = Date.now();
  const opId = ctx.catalog.startOperation({
    operation: 'run',
    connection: plan.config.connection,
    details: { plan: plan.name, reason },
  });
  const watch = watchRun(ctx.signal, ctx.events, {
    plan: plan.name,
    stallMs: plan.stallTimeoutMs,
    timeoutMs: plan.timeoutMs,
  });
  const runCtx: JobContext = { ...ctx, signal: watch.signal, events: watch.sink };
  const artifacts: PlanArtifact[] = [];
  const warnings: string[] = [];
  let pruned: PruneOutcome | null = null;
  let error: LifeboatError | undefined;
  let failedStage: string | undefined;
  const vars = baseVars(ctx, plan, reason);
  try {
    runCtx.events({ type: 'phase', phase: 'pre-hooks', message: `plan "${plan.name}": pre hooks` });
    await runHooks(plan.pre, hookOptions(runCtx, 'pre', vars, env));
    for (const connection of await planConnections(runCtx, plan, watch.signal)) {
      watch.arm();
      const result = await runBackup(runCtx, {
        connectionSpec: connection,
        to: plan.config.to,
        compress: plan.config.compress,
        ...(plan.config.compressLevel === undefined
          ? {}
          : { compressLevel: plan.config.compressLevel }),
        ...(plan.tag === undefined ? {} : { tag: plan.tag }),
        ...(plan.config.verify ? { verify: plan.config.verify === 'deep' ? 'deep' : 'file' } : {}),
        wait: true,
      });
      watch.disarm();
      artifacts.push(artifactOf(result));
      warnings.push(...result.warnings);
    }
    const prune = options.prune ?? prunePlan;
    if (plan.config.retention) {
      runCtx.events({ type: 'phase', phase: 'prune', message: `plan "${plan.name}": retention` });
      pruned = await prune(runCtx, plan, watch.signal);
      warnings.push(...pruned.warnings);
    }
  } catch (err) {
    watch.disarm();
    failedStage = watch.stage();
    // The watch's own reason (stalled, timed out) explains an abort better than ABORTED does.
    error = watch.reason() ?? toLifeboatError(err, ctx.signal, `plan "${plan.name}"`);
  }
  watch.stop();
  const status = error
    ? 'failed'
    : artifacts.some((a) => a.status === 'partial')
      ? 'partial'
      : 'succeeded';
  if (plan.post.length && !ctx.signal.aborted) {
    try {
      const postVars = {
        ...vars,
        LIFEBOAT_STATUS: status,
        LIFEBOAT_ARTIFACT: artifacts.map((a) => a.artifact).join(' '),
        LIFEBOAT_ERROR: error?.message ?? '',
        LIFEBOAT_ERROR_CODE: error?.code ?? '',
        LIFEBOAT_DURATION_MS: String(Date.now() - started),
      };
      await runHooks(plan.post, hookOptions(ctx, 'post', postVars, env));
    } catch (err) {
      // The backup is stored; a failing post hook is worth a warning, not a failed backup.
      warnings.push(toLifeboatError(err, ctx.signal, 'post hook').message);
    }
  }
  const durationMs = Date.now() - started;
  const base = {
    plan: plan.name,
    reason,
    status,
    startedAt: new Date(started).toISOString(),
    durationMs,
    artifacts,
    pruned,
    warnings,
    ...(failedStage && error ? { stage: failedStage } : {}),
    ...(error ? { error } : {}),
  } as const;
  ctx.catalog.finishOperation(opId, {
    status,
    ...(artifacts[0] ? { artifact: artifacts[0].artifact } : {}),
    sizeBytes: artifacts.reduce((sum, a) => sum + a.size, 0),
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    details: {
      plan: plan.name,
      durationMs,
      artifacts,
      warnings,
      stage: base.stage ?? null,
      hint: error?.hint ?? null,
      pruned: pruned?.removed ?? null,
    },
  });
  const notifications =
    options.notify === false || ctx.signal.aborted ? [] : await notifyRun(ctx, plan, base);
  return { ...base, notifications };
}

function artifactOf(result: BackupResult): PlanArtifact {
  return {
    artifact: result.artifact,
    connection: result.connection,
    status: result.status,
    size: result.size,
    durationMs: result.durationMs,
    destinations: result.destinations.map((d) => ({ storage: d.storage, ok: d.ok })),
    verification: result.verification
      ? { ok: result.verification.ok, deep: result.verification.deep }
      : null,
  };
}

function baseVars(ctx: JobContext, plan: PlanSettings, reason: string): Record<string, string> {
  return {
    LIFEBOAT_PLAN: plan.name,
    LIFEBOAT_CONNECTION: plan.config.connection,
    LIFEBOAT_STORAGES: plan.config.to.join(','),
    LIFEBOAT_REASON: reason,
    LIFEBOAT_HOST: hostname(),
    LIFEBOAT_CONFIG: ctx.config.configPath ?? '',
  };
}

function hookOptions(
  ctx: JobContext,
  stage: 'pre' | 'post',
  vars: Record<string, string>,
  env: NodeJS.ProcessEnv,
): Parameters<typeof runHooks>[1] {
  return { stage, vars, env, cwd: ctx.config.baseDir, events: ctx.events, signal: ctx.signal };
}
