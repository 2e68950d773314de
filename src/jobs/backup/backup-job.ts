import type { DumpSession, DumpWriter, TableSummary } from '../../engines/engine.js';
import { LifeboatError, toLifeboatError } from '../../errors/index.js';
import { acquireConnectionLock } from '../../locks/connection-lock.js';
import { openAgeSession } from '../../pipeline/age-encrypt.js';
import { buildBackupPipeline } from '../../pipeline/backup-pipeline.js';
import { AGE_EXTENSION, codecFor } from '../../pipeline/compression.js';
import type { Manifest } from '../../pipeline/manifest.js';
import { DataFlow } from '../../progress/flow.js';
import { isNotExist, type Storage } from '../../storage/storage.js';
import type { JobContext } from '../context.js';
import { artifactName } from '../shared/artifact-name.js';
import { runVerify, type VerifyResult } from '../verify/verify-job.js';
import { runDump, writerFor } from './dump.js';
import { buildManifest, completeDestinations, type DestinationResult } from './finalize.js';
import { planBackup, type BackupOptions, type BackupPlan } from './plan.js';
import { storeEverywhere } from './store.js';

export type { DestinationResult } from './finalize.js';

/** What a backup produced. A total failure throws instead. */
export interface BackupResult {
  /** `partial` when some destinations failed but at least one holds the artifact. */
  readonly status: 'succeeded' | 'partial';
  readonly artifact: string;
  readonly connection: string;
  readonly engine: string;
  readonly size: number;
  readonly sha256: string;
  readonly tables: readonly TableSummary[];
  readonly rows: number;
  readonly durationMs: number;
  readonly destinations: readonly DestinationResult[];
  readonly manifest: Manifest;
  readonly verification: VerifyResult | null;
  readonly warnings: readonly string[];
}

/**
 * Backs up one connection: dump (one snapshot) -> hash -> compress -> hash -> every storage
 * at once, then the manifest beside each stored artifact. The manifest is written last, so an
 * interrupted backup never looks valid.
 */
export async function runBackup(ctx: JobContext, options: BackupOptions): Promise<BackupResult> {
  const plan = planBackup(ctx, options);
  const startedAt = new Date();
  const opId = ctx.catalog.startOperation({
    operation: 'backup',
    connection: plan.connection.name,
    details: { target: plan.target.display, scope: plan.scope, tag: plan.tag ?? null },
  });
  try {
    const lock = options.lockHeld
      ? null
      : await acquireConnectionLock(plan.target.lockKey, {
          operation: 'backup',
          wait: options.wait ?? false,
          signal: ctx.signal,
        });
    let result: Omit<BackupResult, 'verification'>;
    try {
      // Losing the lock (its file removed, the process stalled past the stale time) stops the work.
      const signal = lock ? AbortSignal.any([ctx.signal, lock.signal]) : ctx.signal;
      result = await backUp({ ...ctx, signal }, plan, startedAt);
    } finally {
      await lock?.release();
    }
    let verification: VerifyResult | null = null;
    if (options.verify) {
      ctx.events({
        type: 'phase',
        phase: 'verify',
        message: `verifying ${result.artifact}${options.verify === 'deep' ? ' (deep)' : ''}`,
      });
      verification = await runVerify(ctx, {
        artifact: result.artifact,
        deep: options.verify === 'deep',
        connection: plan.connection,
        ...(options.decrypt ? { decrypt: options.decrypt } : {}),
      });
      if (!verification.ok && verification.error) throw verification.error;
    }
    ctx.catalog.finishOperation(opId, {
      status: result.status,
      artifact: result.artifact,
      sizeBytes: result.size,
      details: {
        destinations: result.destinations,
        rows: result.rows,
        verified: verification?.ok ?? null,
      },
    });
    return { ...result, verification };
  } catch (err) {
    const error = toLifeboatError(err, ctx.signal, 'backup');
    ctx.catalog.finishOperation(opId, {
      status: 'failed',
      error: { code: error.code, message: error.message },
    });
    throw error;
  }
}

async function backUp(
  ctx: JobContext,
  plan: BackupPlan,
  startedAt: Date,
): Promise<Omit<BackupResult, 'verification'>> {
  const { engine, storages, signal } = { ...plan, signal: ctx.signal };
  const codec = codecFor(plan.compression);
  // Leftovers of backups that were killed never count as backups; clear them before adding more.
  // Best effort: a storage that cannot be reached now fails its own put later, and the backup
  // ends `partial` with the others kept, rather than failing before anything was dumped.
  await Promise.all(
    storages.map(async (storage) => {
      try {
        await storage.cleanupPartials?.({ signal });
      } catch (err) {
        const error = toLifeboatError(err, signal, 'cleaning up');
        if (error.code === 'ABORTED') throw error;
        ctx.events({
          type: 'warning',
          message: `storage "${storage.name}": cleanup skipped: ${error.message}`,
        });
      }
    }),
  );
  // Wraps the file key for every recipient (or runs scrypt) before the first byte is dumped.
  const encryption = plan.encryption ? await openAgeSession(plan.encryption) : undefined;
  const extension = codec.extension + (encryption ? AGE_EXTENSION : '');
  const name = await uniqueName(plan, startedAt, extension, signal);
  const pipeline = buildBackupPipeline({
    compression: plan.compression,
    encryption,
    ...(plan.compressLevel === undefined ? {} : { level: plan.compressLevel }),
    signal,
  });
  // Counters per stage, read by the stall watch of `lifeboat run` to name the stage that stopped.
  const flow = new DataFlow();
  flow.add(...pipeline.flow);
  const stored = storeEverywhere(
    pipeline.output,
    storages,
    name,
    () => pipeline.artifactHash(),
    signal,
    (uploads) => flow.add(...uploads),
  );
  ctx.events({ type: 'flow', flow });
  let session: DumpSession | undefined;
  let tables: TableSummary[];
  try {
    // Announced before opening: taking the snapshot can wait on a lock, and a stall then is
    // the dump's.
    ctx.events({
      type: 'phase',
      phase: 'dump',
      message: `backing up "${plan.connection.name}" (${plan.target.display}) to ${name}`,
    });
    session = await engine.openDump(plan.target, plan.scope, { signal });
    tables = await runDump(
      session,
      countingWriter(writerFor(pipeline.input, signal), ctx),
      ctx.events,
      signal,
    );
    pipeline.input.end();
  } catch (err) {
    // Failing the pipeline makes every put discard its temporary: nothing partial is kept.
    pipeline.input.destroy(err instanceof Error ? err : new Error(String(err)));
    await stored;
    throw err;
  } finally {
    await session?.close();
  }
  const outcomes = await stored;
  // No destination took the artifact: that is the job's error. The pipeline was stopped when
  // the last one failed, possibly before its end, so its hashes may not exist.
  const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if (failures.length === outcomes.length && failures[0] !== undefined) throw failures[0];
  const manifest = buildManifest(plan, {
    artifact: name,
    serverVersion: session.serverVersion,
    checksumAlgorithm: session.checksumAlgorithm,
    startedAt,
    finishedAt: new Date(),
    tables,
    stages: pipeline.results(),
    content: pipeline.contentHash(),
    stored: pipeline.artifactHash(),
    ...(session.sourceFacts ? { source: session.sourceFacts() } : {}),
  });
  const sessionWarnings = session.warnings?.() ?? [];
  for (const message of sessionWarnings) ctx.events({ type: 'warning', message });
  const destinations = await completeDestinations(outcomes, manifest, ctx.catalog, signal);
  const failed = destinations.filter((d) => !d.ok);
  failed.forEach((d) =>
    ctx.events({ type: 'warning', message: `storage "${d.storage}" failed: ${d.error?.message}` }),
  );
  return {
    status: failed.length ? 'partial' : 'succeeded',
    artifact: name,
    connection: plan.connection.name,
    engine: engine.name,
    size: manifest.size,
    sha256: manifest.sha256,
    tables,
    rows: tables.reduce((sum, t) => sum + t.rows, 0),
    durationMs: Date.parse(manifest.finishedAt) - startedAt.getTime(),
    destinations,
    manifest,
    warnings: [
      ...sessionWarnings,
      ...failed.map((d) => `storage "${d.storage}" failed: ${d.error?.message}`),
    ],
  };
}

/**
 * Reports the bytes dumped so far about once per MiB, for progress (a string counts its
 * UTF-16 length: near enough, and free).
 */
function countingWriter(inner: DumpWriter, ctx: JobContext): DumpWriter {
  let bytes = 0;
  let reported = 0;
  return {
    write(text: string | Buffer) {
      bytes += text.length;
      if (bytes - reported >= 1 << 20) {
        reported = bytes;
        ctx.events({ type: 'bytes', bytes });
      }
      return inner.write(text);
    },
  };
}

/** A name no storage has yet (two backups in one second get `-1`, `-2`, ...). */
async function uniqueName(
  plan: BackupPlan,
  at: Date,
  extension: string,
  signal: AbortSignal,
): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const name = artifactName(plan.connection.name, at, { tag: plan.tag, extension, attempt });
    const taken = await Promise.all(plan.storages.map((s) => exists(s, name, signal)));
    if (!taken.includes(true)) return name;
  }
  throw new LifeboatError(
    'IO_ERROR',
    `cannot find a free artifact name for "${plan.connection.name}"`,
  );
}

async function exists(storage: Storage, key: string, signal: AbortSignal): Promise<boolean> {
  try {
    await storage.stat(key, { signal });
    return true;
  } catch (err) {
    if (isNotExist(err)) return false;
    // Unreachable now: its put will fail and be reported; the name is free as far as we know.
    if (toLifeboatError(err, signal, 'checking the name').code === 'ABORTED') throw err;
    return false;
  }
}
