/** Kinds of trouble `lifeboat status` reports. */
export type HealthWarningKind =
  | 'failing'
  | 'database-failing'
  | 'never-succeeded'
  | 'stale'
  | 'size-anomaly'
  | 'destination-failing'
  | 'disk-low'
  | 'notify-failing'
  | 'not-verified';

/** One problem with a plan. */
export interface HealthWarning {
  readonly kind: HealthWarningKind;
  readonly message: string;
}

/** A database of a `databases:` plan whose backup failed, with its own error. */
export interface FailedDatabase {
  readonly database: string;
  readonly code: string;
  readonly message: string;
  readonly hint: string | null;
}

/** The health of one plan, as `lifeboat status` shows it. */
export interface PlanHealth {
  readonly plan: string;
  readonly connection: string;
  readonly schedule: string | null;
  readonly healthy: boolean;
  readonly lastRun: {
    readonly status: string;
    readonly startedAt: string;
    readonly error: { readonly code: string; readonly message: string } | null;
    /** The databases of a `databases:` plan that got no backup in that run. */
    readonly failedDatabases: readonly FailedDatabase[];
  } | null;
  readonly lastSuccess: {
    readonly at: string;
    readonly ageMs: number;
    readonly artifacts: readonly string[];
    readonly sizeBytes: number;
    readonly durationMs: number | null;
    /** `passed`, `passed (deep)`, `failed`, or `not verified`. */
    readonly verification: string;
  } | null;
  readonly nextRun: string | null;
  readonly warnings: readonly HealthWarning[];
}

/** What `lifeboat status` returns. */
export interface HealthReport {
  readonly healthy: boolean;
  readonly checkedAt: string;
  readonly plans: readonly PlanHealth[];
}
