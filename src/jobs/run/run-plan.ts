import { hostname } from 'node:os';
import { messageOf, toLifeboatError, type LifeboatError } from '../../errors/index.js';
import { runBackup, type BackupResult } from '../backup/backup-job.js';
import type { JobContext } from '../context.js';
import type { DecryptKeys } from '../../pipeline/age-keys.js';
import { loadDecryptKeys } from '../shared/decrypt-keys.js';
import { runHooks } from './hooks.js';
import { notifyRun } from './notify-run.js';
import { databaseVanished, planConnections } from './plan-databases.js';
import { planSettingsFor, type PlanSettings } from './plan-settings.js';
import { prunePlan } from './prune-step.js';
import { watchRun, type RunWatch } from './run-watch.js';
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
  const skipped: string[] = [];
  let pruned: PruneOutcome | null = null;
  let error: LifeboatError | undefined;
  let failedStage: string | undefined;
  const vars = baseVars(ctx, plan, reason);
  try {
    runCtx.events({ type: 'phase', phase: 'pre-hooks', message: `plan "${plan.name}": pre hooks` });
    await runHooks(plan.pre, hookOptions(runCtx, 'pre', vars, env));
    const decrypt = plan.config.verify ? await verifyKeys(runCtx, env, warnings) : undefined;
    for (const planned of await planConnections(runCtx, plan, watch.signal)) {
      watch.arm();
      const result = await runBackup(runCtx, {
        connectionSpec: planned.connection,
        to: plan.config.to,
        ...(plan.config.encrypt ? { recipients: plan.config.encrypt.recipients } : {}),
        ...(decrypt === undefined ? {} : { decrypt }),
        compress: plan.config.compress,
        ...(plan.config.compressLevel === undefined
          ? {}
          : { compressLevel: plan.config.compressLevel }),
        ...(plan.tag === undefined ? {} : { tag: plan.tag }),
        ...(plan.config.verify ? { verify: plan.config.verify === 'deep' ? 'deep' : 'file' } : {}),
        wait: true,
      }).catch(async (err: unknown) => {
        watch.disarm();
        if (!(await droppedSinceListed(runCtx, plan, planned.database, watch))) throw err;
        // Another client dropped it after discovery: there is nothing left to back up, and
        // the databases that still exist must not go without their backup because of it.
        const message = `database "${planned.database}" was dropped after this run listed it; skipped`;
        runCtx.events({ type: 'warning', message });
        warnings.push(message);
        skipped.push(planned.database as string);
        return undefined;
      });
      watch.disarm();
      if (result === undefined) continue;
      artifacts.push(artifactOf(result));
      warnings.push(...result.warnings);
    }
    const prune = options.prune ?? prunePlan;
    if (plan.config.retention) {
      runCtx.events({ type: 'phase', phase: 'prune', message: `plan "${plan.name}": retention` });
      // A storage that stops answering while old backups are removed must not hang the run.
      watch.arm();
      pruned = await prune(runCtx, plan, watch.signal);
      watch.disarm();
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
    skipped,
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
      skipped,
      stage: base.stage ?? null,
      hint: error?.hint ?? null,
      pruned: pruned?.removed ?? null,
    },
  });
  const notifications =
    options.notify === false || ctx.signal.aborted ? [] : await notifyRun(ctx, plan, base);
  return { ...base, notifications };
}

/** True when the backup of a `databases:` entry failed because the database is gone. */
async function droppedSinceListed(
  ctx: JobContext,
  plan: PlanSettings,
  database: string | undefined,
  watch: RunWatch,
): Promise<boolean> {
  if (database === undefined || watch.reason() !== undefined || watch.signal.aborted) return false;
  return databaseVanished(ctx, plan, database, watch.signal);
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

/**
 * The keys a plan's verification may decrypt with: `$LIFEBOAT_AGE_IDENTITY`,
 * `defaults.encrypt.identity`, `$LIFEBOAT_PASSPHRASE`. A backup host that holds only public
 * keys has none; its file verification then checks the stored bytes, and a deep one says that
 * it needs a key.
 */
async function verifyKeys(
  ctx: JobContext,
  env: NodeJS.ProcessEnv,
  warnings: string[],
): Promise<DecryptKeys | undefined> {
  try {
    return await loadDecryptKeys({ env, cwd: ctx.cwd, config: ctx.config });
  } catch (err) {
    const message = `${messageOf(err)}; encrypted backups are verified without decrypting`;
    ctx.events({ type: 'warning', message });
    warnings.push(message);
    return undefined;
  }
}
