import { hostname } from 'node:os';
import { LifeboatError, messageOf, toLifeboatError } from '../../errors/index.js';
import { runBackup, type BackupResult } from '../backup/backup-job.js';
import type { JobContext } from '../context.js';
import type { DecryptKeys } from '../../pipeline/age-keys.js';
import { loadDecryptKeys } from '../shared/decrypt-keys.js';
import { runHooks } from './hooks.js';
import { notifyRun } from './notify-run.js';
import { databaseState, planConnections, type PlannedBackup } from './plan-databases.js';
import { planSettingsFor, type PlanSettings } from './plan-settings.js';
import { prunePlan } from './prune-step.js';
import { watchRun, type RunWatch } from './run-watch.js';
import type {
  DatabaseOutcome,
  PlanArtifact,
  PlanRunOptions,
  PlanRunResult,
  PruneOutcome,
} from './run-types.js';

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
  const databases: DatabaseOutcome[] = [];
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
      const result = await runBackup(runCtx, backupOptions(plan, planned, decrypt)).catch(
        async (err: unknown) => {
          watch.disarm();
          const stage = watch.stage();
          const { database } = planned;
          // A plan of one connection fails as that backup; a stall, the timeout or a shutdown
          // are about the run, not one database, and stop it whole.
          if (database === undefined || runStopped(watch, err)) throw err;
          const name = planned.connection.name;
          const outcome = await databaseFailed(runCtx, plan, database, name, err, stage, watch);
          databases.push(outcome);
          const message =
            outcome.status === 'skipped'
              ? `database "${database}" was dropped after this run listed it; skipped`
              : `database "${database}" failed: ${outcome.error!.message}`;
          runCtx.events({ type: 'warning', message });
          // Another client dropping a database after discovery leaves nothing to back up: a
          // warning. A real failure is the run's error below, so it is not repeated here.
          if (outcome.status === 'skipped') {
            warnings.push(message);
            skipped.push(database);
          }
          return undefined;
        },
      );
      watch.disarm();
      if (result === undefined) continue;
      const artifact = artifactOf(result);
      artifacts.push(artifact);
      warnings.push(...result.warnings);
      if (planned.database !== undefined) {
        databases.push({
          database: planned.database,
          connection: artifact.connection,
          status: artifact.status,
          artifact: artifact.artifact,
        });
      }
    }
    const prune = options.prune ?? prunePlan;
    if (plan.config.retention) {
      runCtx.events({ type: 'phase', phase: 'prune', message: `plan "${plan.name}": retention` });
      // A storage that stops answering while old backups are removed must not hang the run.
      watch.arm();
      // Only the history of what was just backed up is thinned: a database whose backup
      // failed keeps every backup it has until it gets a new one.
      const done = artifacts.map((a) => a.connection);
      pruned = await prune(runCtx, plan, watch.signal, done);
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
  error ??= databasesError(plan, databases);
  if (error?.code === 'DATABASES_FAILED') failedStage = 'backup';
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
        LIFEBOAT_FAILED_DATABASES: databases
          .filter((d) => d.status === 'failed')
          .map((d) => d.database)
          .join(' '),
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
    databases,
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
      databases,
      stage: base.stage ?? null,
      hint: error?.hint ?? null,
      pruned: pruned?.removed ?? null,
    },
  });
  const notifications =
    options.notify === false || ctx.signal.aborted ? [] : await notifyRun(ctx, plan, base);
  return { ...base, notifications };
}

/** True when a failure ends the whole run rather than one database's backup. */
function runStopped(watch: RunWatch, err: unknown): boolean {
  return (
    watch.reason() !== undefined ||
    watch.signal.aborted ||
    (err instanceof LifeboatError && err.code === 'ABORTED')
  );
}

/**
 * The outcome of a `databases:` entry whose backup failed: skipped when the database is gone
 * from the server (dropped after discovery), else failed with the backup's error. Throws that
 * error instead when the server is unreachable and cannot even be listed: every database after
 * this one would wait out the same connection timeout, so the run stops as for one connection.
 */
async function databaseFailed(
  ctx: JobContext,
  plan: PlanSettings,
  database: string,
  connection: string,
  err: unknown,
  stage: string,
  watch: RunWatch,
): Promise<DatabaseOutcome> {
  const state = await databaseState(ctx, plan, database, watch.signal);
  if (state === 'gone') return { database, connection, status: 'skipped' };
  const error = toLifeboatError(err, watch.signal, `backing up database "${database}"`);
  if (state === 'unknown' && error.code === 'DB_UNREACHABLE') throw error;
  return {
    database,
    connection,
    status: 'failed',
    stage,
    error: {
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    },
  };
}

/**
 * The run's error when databases of a `databases:` plan failed: names each one with its own
 * error, so the one line a notification or `status` shows says which and why.
 */
function databasesError(
  plan: PlanSettings,
  databases: readonly DatabaseOutcome[],
): LifeboatError | undefined {
  const failed = databases.filter((d) => d.status === 'failed');
  if (failed.length === 0) return undefined;
  const attempted = databases.filter((d) => d.status !== 'skipped').length;
  const each = failed.map((d) => `"${d.database}" (${d.error!.code}: ${d.error!.message})`);
  return new LifeboatError(
    'DATABASES_FAILED',
    `plan "${plan.name}": ${failed.length} of ${attempted} databases got no backup: ${each.join('; ')}`,
    {
      hint: failed.map((d) => `${d.database}: ${d.error!.hint ?? 'see the error'}`).join('; '),
      details: {
        plan: plan.name,
        failed: failed.map((d) => d.database),
        backedUp: databases.filter((d) => d.artifact !== undefined).map((d) => d.database),
      },
    },
  );
}

function backupOptions(
  plan: PlanSettings,
  planned: PlannedBackup,
  decrypt: DecryptKeys | undefined,
): Parameters<typeof runBackup>[1] {
  return {
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
  };
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
