import { resolveStorages, type RetentionConfig } from '../../config/index.js';
import { LifeboatError, toLifeboatError } from '../../errors/index.js';
import { MANIFEST_SUFFIX } from '../../pipeline/manifest.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage } from '../../storage/storage.js';
import type { JobContext } from '../context.js';
import { allStorageNames, scanStorage } from '../list/list-job.js';
import { retentionFor } from './policy.js';
import { decideRetention, type RetentionArtifact, type RetentionRule } from './retention.js';

/** Options of `lifeboat prune`. */
export interface PruneOptions {
  /** Only this connection's artifacts. */
  readonly connection?: string;
  /** Only these connections' artifacts (a plan run's databases that were just backed up). */
  readonly connections?: readonly string[];
  /** This policy instead of the one the config gives each connection (a plan's own). */
  readonly policy?: RetentionConfig;
  /** Only this storage. */
  readonly storage?: string;
  /** Decide and report, delete nothing. */
  readonly dryRun?: boolean;
  /** Delete without asking (required without a terminal). */
  readonly force?: boolean;
  /** Asks the person at the terminal; absent when nobody can answer. */
  readonly confirm?: (toDelete: readonly PruneItem[]) => Promise<boolean>;
  /** The time retention is measured from; now by default. */
  readonly now?: Date;
}

/** One artifact and what prune decided (and, unless a dry run, did). */
export interface PruneItem {
  readonly storage: string;
  readonly key: string;
  readonly connection: string;
  readonly createdAt: string;
  readonly keep: boolean;
  readonly rule: RetentionRule;
  /** Set when deleting it failed. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** What prune did. */
export interface PruneResult {
  /** `planned` for a dry run; `partial` when some deletions failed. */
  readonly status: 'succeeded' | 'planned' | 'partial';
  readonly items: readonly PruneItem[];
  readonly deleted: number;
  readonly kept: number;
  /** The policy applied per `storage/connection`. */
  readonly policies: Readonly<Record<string, RetentionConfig | null>>;
}

interface Candidate extends RetentionArtifact {
  readonly storage: Storage;
}

/**
 * Applies retention. Only artifacts with a readable manifest are considered: a backup still
 * being written (no manifest yet), temporaries and unreadable objects are never touched. Each
 * deletion removes the manifest first, then the artifact: a crash in between leaves an
 * unlisted file rather than a listed backup without its data.
 */
export async function runPrune(ctx: JobContext, options: PruneOptions = {}): Promise<PruneResult> {
  const now = options.now ?? new Date();
  const storages = resolveStorages(
    ctx.config,
    options.storage ? [options.storage] : allStorageNames(ctx),
  ).map((s) => openStorage(s, ctx.config.baseDir));
  const items: PruneItem[] = [];
  const policies: Record<string, RetentionConfig | null> = {};
  const toDelete: Candidate[] = [];
  for (const storage of storages) {
    const verified = new Set(
      ctx.catalog
        .artifacts({ storage: storage.name })
        .filter((a) => a.lastVerifyStatus === 'ok')
        .map((a) => a.key),
    );
    const byConnection = new Map<string, Candidate[]>();
    for (const found of await scanStorage(storage, ctx.signal)) {
      if ('message' in found) continue;
      const connection = found.manifest.connection.name;
      if (options.connection && connection !== options.connection) continue;
      if (options.connections && !options.connections.includes(connection)) continue;
      ctx.catalog.recordArtifact(storage.name, found.key, found.manifest);
      const list = byConnection.get(connection) ?? [];
      list.push({
        storage,
        key: found.key,
        connection,
        createdAt: new Date(found.manifest.finishedAt),
        tag: found.manifest.tag,
        verified: verified.has(found.key),
      });
      byConnection.set(connection, list);
    }
    for (const [connection, candidates] of byConnection) {
      const policy = options.policy ?? retentionFor(ctx.config, connection, storage.name);
      policies[`${storage.name}/${connection}`] = policy ?? null;
      for (const d of decideRetention(candidates, policy, now)) {
        items.push(item(d.artifact, d.keep, d.rule));
        if (!d.keep) toDelete.push(d.artifact);
      }
    }
  }
  const kept = items.filter((i) => i.keep).length;
  if (options.dryRun || toDelete.length === 0) {
    return {
      status: options.dryRun ? 'planned' : 'succeeded',
      items,
      deleted: 0,
      kept,
      policies,
    };
  }
  await confirmPrune(
    items.filter((i) => !i.keep),
    options,
  );
  const opId = ctx.catalog.startOperation({
    operation: 'prune',
    ...(options.connection ? { connection: options.connection } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
    details: { candidates: items.length, toDelete: toDelete.length },
  });
  const failures = new Map<Candidate, LifeboatError>();
  for (const candidate of toDelete) {
    try {
      await candidate.storage.remove(candidate.key + MANIFEST_SUFFIX);
      await candidate.storage.remove(candidate.key);
      ctx.catalog.forgetArtifact(candidate.storage.name, candidate.key);
      ctx.events({ type: 'phase', phase: 'prune', message: `deleted "${candidate.key}"` });
    } catch (err) {
      const error = toLifeboatError(err, ctx.signal, 'prune');
      if (error.code === 'ABORTED') {
        ctx.catalog.finishOperation(opId, {
          status: 'failed',
          error: { code: error.code, message: error.message },
        });
        throw error;
      }
      failures.set(candidate, error);
      ctx.events({
        type: 'warning',
        message: `deleting "${candidate.key}" failed: ${error.message}`,
      });
    }
  }
  const withErrors = items.map((i) => {
    const failed = [...failures].find(([c]) => c.key === i.key && c.storage.name === i.storage);
    return failed ? { ...i, error: { code: failed[1].code, message: failed[1].message } } : i;
  });
  const deleted = toDelete.length - failures.size;
  const status = failures.size ? 'partial' : 'succeeded';
  ctx.catalog.finishOperation(opId, {
    status,
    details: {
      deleted: withErrors.filter((i) => !i.keep && !i.error).map((i) => `${i.storage}:${i.key}`),
      failed: failures.size,
      kept,
    },
  });
  return { status, items: withErrors, deleted, kept, policies };
}

function item(c: Candidate, keep: boolean, rule: RetentionRule): PruneItem {
  return {
    storage: c.storage.name,
    key: c.key,
    connection: c.connection,
    createdAt: c.createdAt.toISOString(),
    keep,
    rule,
  };
}

async function confirmPrune(toDelete: readonly PruneItem[], options: PruneOptions): Promise<void> {
  if (options.force) return;
  if (!options.confirm) {
    throw new LifeboatError(
      'CONFIRMATION_REQUIRED',
      `prune would delete ${toDelete.length} artifact${toDelete.length === 1 ? '' : 's'} and needs confirmation`,
      {
        hint: 'there is no terminal to ask; run "lifeboat prune --dry-run" to see them, then --force',
      },
    );
  }
  if (!(await options.confirm(toDelete))) {
    throw new LifeboatError('CONFIRMATION_DECLINED', 'prune cancelled', {
      hint: 'nothing was deleted',
    });
  }
}
