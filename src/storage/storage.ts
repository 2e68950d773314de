import type { Readable } from 'node:stream';

/** One stored object. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly modifiedAt: Date;
}

/** What the writer of an object claims about it; the storage checks before committing. */
export interface ExpectedContent {
  readonly size: number;
  readonly sha256: string;
}

/** Options of {@link Storage.put}. */
export interface PutOptions {
  readonly signal: AbortSignal;
  /**
   * Called after the last byte arrived and before the object becomes visible. The storage
   * compares the returned size and SHA-256 with what it received and, on a mismatch, fails
   * with CHECKSUM_MISMATCH and leaves nothing behind. The caller's own hash stage usually
   * supplies it, so a corruption between the pipeline and the disk is caught.
   */
  readonly expect?: () => ExpectedContent;
}

/** What a completed put stored, as measured by the storage itself. */
export interface PutResult {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
}

/** Options of calls that read. */
export interface ReadOptions {
  readonly signal?: AbortSignal;
}

/**
 * A place that stores opaque objects by key (restic's Backend). Keys are `/`-separated
 * relative names without `..`. A put is atomic: until it resolves, `stat`, `get` and `list`
 * do not see the object, and a failed or aborted put leaves nothing behind. A missing key
 * fails with ARTIFACT_NOT_FOUND (see {@link isNotExist}).
 */
export interface Storage {
  /** Configured name (`local`, `offsite`). */
  readonly name: string;
  /** Kind (`local`, `s3`, `sftp`, `memory`). */
  readonly kind: string;
  /** Where it is, for messages (`/var/backups`, `s3://bucket/prefix`). */
  readonly location: string;
  put(key: string, body: Readable, options: PutOptions): Promise<PutResult>;
  get(key: string, options?: ReadOptions): Promise<Readable>;
  stat(key: string, options?: ReadOptions): Promise<ObjectInfo>;
  /** Objects whose key starts with `prefix`, in no particular order; never in-flight puts. */
  list(prefix: string, options?: ReadOptions): AsyncIterable<ObjectInfo>;
  /** Removes the object; removing a missing key is not an error. */
  remove(key: string): Promise<void>;
  /**
   * Removes what interrupted puts of dead processes left behind (hidden temporaries), for
   * storages that can have such leftovers; returns what was removed.
   */
  cleanupPartials?(options?: {
    readonly maxAgeMs?: number;
    readonly signal?: AbortSignal;
  }): Promise<string[]>;
}

export { isNotExist } from './not-exist.js';
