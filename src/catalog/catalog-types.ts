import type { StoredManifest } from '../pipeline/age-manifest-stub.js';

/** What kind of work an operation record describes; other kinds may be added by later jobs. */
export type OperationKind =
  | 'backup'
  | 'restore'
  | 'verify'
  | 'prune'
  | 'migrate'
  | 'seed'
  | 'sync'
  | 'export'
  | 'catalog-rebuild'
  | (string & Record<never, never>);

/**
 * How an operation ended. `interrupted` means its process died without recording a result;
 * `partial` means some of its work succeeded (e.g. one of two storages failed).
 */
export type OperationStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'partial';

/** Free-form, JSON-serialisable facts about an operation (tables, flags, warnings, ...). */
export type OperationDetails = Readonly<Record<string, unknown>>;

/** What {@link Catalog.startOperation} records. */
export interface StartOperation {
  readonly operation: OperationKind;
  /** Connection name; never a URL with secrets. */
  readonly connection?: string;
  readonly storage?: string;
  readonly artifact?: string;
  readonly details?: OperationDetails;
}

/** What {@link Catalog.finishOperation} records. */
export interface FinishOperation {
  readonly status: Exclude<OperationStatus, 'running'>;
  readonly artifact?: string;
  readonly sizeBytes?: number;
  /** A LifeboatError fits as is. */
  readonly error?: { readonly code: string; readonly message: string };
  /** Merged over the details given at start (keys given here win). */
  readonly details?: OperationDetails;
}

/** Filters for {@link Catalog.history}. */
export interface HistoryQuery {
  /** At most this many records; default 100. */
  readonly limit?: number;
  readonly connection?: string;
  readonly operation?: OperationKind;
}

/** One row of the audit trail: what happened, who did it, how it ended. */
export interface OperationRecord {
  readonly id: number;
  readonly operation: OperationKind;
  readonly connection: string | null;
  readonly storage: string | null;
  readonly artifact: string | null;
  readonly sizeBytes: number | null;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  /** ISO-8601 UTC; null while running, and for interrupted operations (the time is unknown). */
  readonly finishedAt: string | null;
  readonly status: OperationStatus;
  readonly user: string | null;
  readonly host: string;
  readonly pid: number;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly details: OperationDetails | null;
}

/** What {@link Catalog.recordVerification} records. */
export interface VerificationResult {
  readonly status: 'ok' | 'failed';
  /** True for `verify --deep` (restored into a scratch database). */
  readonly deep: boolean;
  /** How long the deep verify's restore took; kept until the next deep verify. */
  readonly restoreMs?: number;
  readonly detail?: string;
}

/** Filters for {@link Catalog.artifacts}. */
export interface ArtifactQuery {
  readonly connection?: string;
  readonly storage?: string;
}

/** The catalog's cached view of one artifact in one storage. */
export interface ArtifactRecord {
  readonly storage: string;
  readonly key: string;
  readonly connection: string;
  readonly engine: string;
  /** The manifest's `finishedAt`, ISO-8601 UTC. */
  readonly createdAt: string;
  readonly size: number;
  readonly sha256: string;
  readonly tag: string | null;
  readonly manifest: StoredManifest;
  readonly lastVerifiedAt: string | null;
  readonly lastVerifyStatus: 'ok' | 'failed' | null;
  readonly lastVerifyDeep: boolean | null;
  readonly lastVerifyDetail: string | null;
  /** Measured restore time of the latest deep verify that reported one. */
  readonly restoreMs: number | null;
}
