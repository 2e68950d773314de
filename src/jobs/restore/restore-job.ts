import type { TableSummary } from '../../engines/engine.js';
import { LifeboatError, toLifeboatError } from '../../errors/index.js';
import { acquireConnectionLock } from '../../locks/connection-lock.js';
import { checkDecryptable } from '../../pipeline/age-decrypt.js';
import type { DecryptKeys } from '../../pipeline/age-keys.js';
import { codecForKey, isEncryptedKey } from '../../pipeline/compression.js';
import { openArtifactReader } from '../../pipeline/artifact-reader.js';
import { isEncrypted } from '../../pipeline/manifest.js';
import type { JobContext } from '../context.js';
import { runBackup } from '../backup/backup-job.js';
import { locateArtifact } from '../shared/locate.js';
import { compareWithManifest } from '../verify/compare.js';
import { CHECKING_AGAINST_MANIFEST, measureEvents } from './measure-events.js';
import { planRestore, type RestorePlan } from './plan.js';

/** Options of `lifeboat restore`. */
export interface RestoreJobOptions {
  readonly artifact: string;
  /** Connection name or URL; the artifact's own connection when omitted. */
  readonly to?: string;
  readonly tables?: readonly string[];
  readonly dryRun?: boolean;
  /** Skip confirmation prompts (required without a terminal). */
  readonly force?: boolean;
  /** Back up the target before replacing it (default true). */
  readonly safetyBackup?: boolean;
  readonly wait?: boolean;
  /** Identities/passphrases for an encrypted artifact; KEY_REQUIRED without them. */
  readonly decrypt?: DecryptKeys | undefined;
  /**
   * Asks the person at the terminal. `expected` set means they must type it (protected
   * connections); otherwise a yes/no question. Absent when nobody can answer.
   */
  readonly confirm?: (plan: RestorePlan, expected: string | undefined) => Promise<boolean>;
}

/** What a restore did. */
export interface RestoreJobResult {
  readonly status: 'succeeded' | 'planned';
  readonly plan: RestorePlan;
  readonly safetyBackup: string | null;
  readonly tables: readonly TableSummary[];
  readonly durationMs: number;
  readonly warnings: readonly string[];
}

/**
 * Restores an artifact: plan, confirm, lock, safety backup, then an atomic restore whose
 * result is checked against the manifest (row counts, checksums, artifact SHA-256) before it
 * is committed. Any failure leaves the target as it was.
 */
export async function runRestore(
  ctx: JobContext,
  options: RestoreJobOptions,
): Promise<RestoreJobResult> {
  const located = await locateArtifact(ctx, options.artifact, { decrypt: options.decrypt });
  const plan = await planRestore(ctx, located, options);
  const warnings: string[] = [];
  if (!located.manifest) {
    warnings.push(
      `"${located.key}" has no manifest: its integrity cannot be checked before restoring`,
    );
  }
  const encrypted = located.manifest ? isEncrypted(located.manifest) : isEncryptedKey(located.key);
  // A missing or wrong key is found from the header alone, before any question or change.
  if (encrypted) {
    await checkDecryptable(located.storage, located.key, options.decrypt, ctx.signal);
  }
  warnings.forEach((message) => ctx.events({ type: 'warning', message }));
  if (options.dryRun) {
    return { status: 'planned', plan, safetyBackup: null, tables: [], durationMs: 0, warnings };
  }
  await confirmRestore(plan, options);
  // Timed from here: how long the restore took, not how long the person took to answer.
  const t0 = performance.now();

  const opId = ctx.catalog.startOperation({
    operation: 'restore',
    connection: plan.connection.name,
    storage: located.storage.name,
    artifact: located.key,
    details: { target: plan.target.display, tables: plan.only ?? null },
  });
  try {
    const lock = await acquireConnectionLock(plan.target.lockKey, {
      operation: 'restore',
      wait: options.wait ?? false,
      signal: ctx.signal,
    });
    // Losing the lock stops the restore, which then rolls back.
    const job = { ...ctx, signal: AbortSignal.any([ctx.signal, lock.signal]) };
    try {
      let safetyBackup: string | null = null;
      if (options.safetyBackup !== false && plan.targetExists) {
        ctx.events({
          type: 'phase',
          phase: 'safety-backup',
          message: `backing up "${plan.connection.name}" before restoring`,
        });
        // An artifact that needed the engine's own tool for its schema (objects lifeboat
        // cannot reproduce natively) likely restores over a database that needs it too.
        const schemaVia = located.manifest?.scope.options?.schemaVia;
        const backup = await runBackup(job, {
          connectionSpec: plan.connection,
          tag: 'pre-restore',
          lockHeld: true,
          ...(typeof schemaVia === 'string' ? { engineOptions: { schemaVia } } : {}),
        });
        safetyBackup = backup.artifact;
      }
      ctx.events({
        type: 'phase',
        phase: 'restore',
        message: `restoring "${located.key}" into "${plan.connection.name}"`,
      });
      const manifest = located.manifest;
      const reader = await openArtifactReader(located.storage, located.key, {
        compression: manifest?.compression ?? codecForKey(located.key),
        encrypted,
        decrypt: options.decrypt,
        signal: job.signal,
        ...(manifest ? { expected: { size: manifest.size, sha256: manifest.sha256 } } : {}),
      });
      if (manifest) {
        const total = plan.only?.length ?? manifest.tables.length;
        ctx.events({ type: 'tables', total });
      }
      const measuring = measureEvents(
        ctx.events,
        'restore',
        manifest ? CHECKING_AGAINST_MANIFEST : 'counting and checksumming the restored tables',
      );
      const result = await plan.engine.restore(plan.target, reader.content, {
        ...(plan.only ? { tables: plan.only } : {}),
        ...(manifest ? { checksumAlgorithm: manifest.checksumAlgorithm } : {}),
        signal: job.signal,
        onProgress: (p) => ctx.events({ type: 'bytes', bytes: p.bytes }),
        onMeasure: measuring.onMeasure,
        beforeCommit: (restored) => {
          if (!manifest) return;
          const measured = reader.result();
          if (!measured.complete || measured.artifact.sha256 !== manifest.sha256) {
            throw new LifeboatError(
              'CHECKSUM_MISMATCH',
              `artifact "${located.key}" does not match its SHA-256`,
              {
                hint: 'the file was altered or damaged; nothing was changed; restore another backup',
              },
            );
          }
          const comparison = compareWithManifest(manifest, restored, plan.only);
          if (!comparison.ok) {
            throw new LifeboatError(
              'VERIFY_FAILED',
              `restored data differs from the manifest: ${comparison.problems[0]}`,
              {
                hint: 'nothing was changed; restore another backup',
              },
            );
          }
        },
      });
      measuring.finish(result.tables);
      for (const message of result.warnings ?? []) {
        warnings.push(message);
        ctx.events({ type: 'warning', message });
      }
      ctx.catalog.finishOperation(opId, {
        status: 'succeeded',
        details: { target: plan.target.display, safetyBackup, tables: result.tables.length },
      });
      return {
        status: 'succeeded',
        plan,
        safetyBackup,
        tables: result.tables,
        durationMs: Math.round(performance.now() - t0),
        warnings,
      };
    } finally {
      await lock.release();
    }
  } catch (err) {
    const error = err instanceof LifeboatError ? err : toLifeboatError(err, ctx.signal, 'restore');
    ctx.catalog.finishOperation(opId, {
      status: 'failed',
      error: { code: error.code, message: error.message },
    });
    throw error;
  }
}

async function confirmRestore(plan: RestorePlan, options: RestoreJobOptions): Promise<void> {
  if (options.force) return;
  if (!options.confirm) {
    throw new LifeboatError(
      'CONFIRMATION_REQUIRED',
      `restoring into "${plan.connection.name}" needs confirmation`,
      {
        hint: 'there is no terminal to ask; pass --force to restore without a prompt (try --dry-run first)',
      },
    );
  }
  const expected = plan.connection.protected ? plan.connection.name : undefined;
  if (!(await options.confirm(plan, expected))) {
    throw new LifeboatError('CONFIRMATION_DECLINED', 'restore cancelled', {
      hint: 'nothing was changed',
    });
  }
}
