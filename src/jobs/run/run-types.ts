import type { LifeboatError } from '../../errors/index.js';
import type { JobContext } from '../context.js';
import type { PlanSettings } from './plan-settings.js';

/** Why a plan ran. */
export type RunReason = 'manual' | 'schedule' | 'catch-up';

/** One artifact a plan run produced. */
export interface PlanArtifact {
  readonly artifact: string;
  readonly connection: string;
  readonly status: 'succeeded' | 'partial';
  readonly size: number;
  readonly durationMs: number;
  readonly destinations: readonly { readonly storage: string; readonly ok: boolean }[];
  /** Null when the plan does not verify. */
  readonly verification: { readonly ok: boolean; readonly deep: boolean } | null;
}

/**
 * How one database of a `databases:` plan ended. Each database is attempted even when an
 * earlier one failed: one database's trouble must not leave the others without a backup.
 */
export interface DatabaseOutcome {
  readonly database: string;
  /** The connection name its artifact carries (`<connection>-<database>`). */
  readonly connection: string;
  /** `skipped`: dropped by someone else after this run listed it. */
  readonly status: 'succeeded' | 'partial' | 'failed' | 'skipped';
  /** Set unless it failed or was skipped. */
  readonly artifact?: string;
  /** The stage its backup failed in (`dump`, `upload:<destination>`, `verify`, ...). */
  readonly stage?: string;
  /** Set when it failed. */
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
}

/** What the retention step removed. */
export interface PruneOutcome {
  readonly removed: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Applies the plan's retention after its backups. The prune job by default
 * (`prune-step.ts`); callers may pass another (a dry run, a test). `connections` are the
 * artifact connection names whose backup succeeded in this run: only their history is
 * thinned, so a database whose backup just failed keeps every backup it has.
 */
export type PruneStep = (
  ctx: JobContext,
  plan: PlanSettings,
  signal: AbortSignal,
  connections: readonly string[],
) => Promise<PruneOutcome>;

/** Options of {@link runPlan}. */
export interface PlanRunOptions {
  readonly reason?: RunReason;
  readonly prune?: PruneStep;
  /** Environment hooks inherit; `process.env` when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** Send notifications (default true). */
  readonly notify?: boolean;
}

/** How a plan run ended. A plan run never throws for a failed backup: it reports it. */
export interface PlanRunResult {
  readonly plan: string;
  readonly reason: RunReason;
  readonly status: 'succeeded' | 'partial' | 'failed';
  readonly startedAt: string;
  readonly durationMs: number;
  readonly artifacts: readonly PlanArtifact[];
  /** Databases of a `databases:` plan dropped between discovery and their backup. */
  readonly skipped: readonly string[];
  /**
   * Each database of a `databases:` plan and how it ended, in the order they were backed up;
   * empty for a plan of one connection.
   */
  readonly databases: readonly DatabaseOutcome[];
  readonly pruned: PruneOutcome | null;
  readonly warnings: readonly string[];
  /** The stage the run failed in (`pre-hooks`, `dump`, `upload`, `verify`, ...). */
  readonly stage?: string;
  readonly error?: LifeboatError;
  readonly notifications: readonly { readonly channel: string; readonly ok: boolean }[];
}
