import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LifeboatError, fromFsError } from '../errors/index.js';
import type { StoredManifest } from '../pipeline/age-manifest-stub.js';
import {
  deleteArtifact,
  replaceStorage,
  selectArtifacts,
  updateVerification,
  upsertArtifact,
} from './artifacts-table.js';
import { catalogError } from './catalog-errors.js';
import { migrateCatalog } from './catalog-schema.js';
import type {
  ArtifactQuery,
  ArtifactRecord,
  FinishOperation,
  HistoryQuery,
  OperationRecord,
  StartOperation,
  VerificationResult,
} from './catalog-types.js';
import {
  insertOperation,
  markInterrupted,
  selectHistory,
  updateFinished,
} from './operations-table.js';

/** How long a write waits for another lifeboat process's write to finish before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * lifeboat's own history and audit database: an embedded SQLite file that several lifeboat
 * processes (CLI runs, the daemon, the dashboard) share. It is a cache: the storages and their
 * manifests are the source of truth, and `lifeboat catalog rebuild` recreates it.
 *
 * Every method is synchronous (better-sqlite3); after {@link Catalog.close} every call throws.
 */
export class Catalog {
  readonly path: string;
  #db: Database.Database | undefined;

  private constructor(file: string, db: Database.Database) {
    this.path = file;
    this.#db = db;
  }

  /** Opens (creating it and its parent directories if needed) the catalog at `file`. */
  static open(file: string): Catalog {
    const absolute = path.resolve(file);
    try {
      mkdirSync(path.dirname(absolute), { recursive: true });
    } catch (err) {
      throw fromFsError(err, 'creating the directory of', path.dirname(absolute));
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(absolute);
      // Set before anything that takes a lock, including the switch to WAL.
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // WAL lets readers (the dashboard) run while a backup writes its records.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrateCatalog(db, absolute);
      return new Catalog(absolute, db);
    } catch (err) {
      db?.close();
      throw catalogError(err, 'opening', absolute);
    }
  }

  /** Records the start of an operation by this process and returns its id. */
  startOperation(start: StartOperation): number {
    return this.#use('writing to', (db) => insertOperation(db, start));
  }

  /** Records how operation `id` ended. */
  finishOperation(id: number, finish: FinishOperation): void {
    this.#use('writing to', (db) => updateFinished(db, id, finish));
  }

  /**
   * Operations newest first. Running operations whose process on this host has died are
   * recorded as `interrupted` first, so they are reported that way.
   */
  history(query: HistoryQuery = {}): OperationRecord[] {
    return this.#use('reading', (db) => {
      markInterrupted(db);
      return selectHistory(db, query);
    });
  }

  /** Caches the manifest of artifact `key` in `storage`. */
  recordArtifact(storage: string, key: string, manifest: StoredManifest): void {
    this.#use('writing to', (db) => upsertArtifact(db, storage, key, manifest));
  }

  /** Records a verification of `key` in `storage`; false when the catalog does not know it. */
  recordVerification(storage: string, key: string, result: VerificationResult): boolean {
    return this.#use('writing to', (db) => updateVerification(db, storage, key, result));
  }

  /** Cached artifacts, newest first. */
  artifacts(query: ArtifactQuery = {}): ArtifactRecord[] {
    return this.#use('reading', (db) => selectArtifacts(db, query));
  }

  /** Drops `key` in `storage` from the catalog (after prune); false when it was not there. */
  forgetArtifact(storage: string, key: string): boolean {
    return this.#use('writing to', (db) => deleteArtifact(db, storage, key));
  }

  /**
   * Replaces everything known about `storage` with `entries` as listed from the storage itself
   * (`catalog rebuild`), keeping verification facts of artifacts that are still there unchanged.
   */
  replaceArtifacts(
    storage: string,
    entries: readonly { readonly key: string; readonly manifest: StoredManifest }[],
  ): void {
    this.#use('writing to', (db) => replaceStorage(db, storage, entries));
  }

  /** Closes the database; further calls throw. Closing twice is harmless. */
  close(): void {
    const db = this.#db;
    this.#db = undefined;
    db?.close();
  }

  #use<T>(action: string, work: (db: Database.Database) => T): T {
    const db = this.#db;
    if (db === undefined) {
      throw new LifeboatError(
        'INTERNAL',
        `the catalog "${this.path}" was used after it was closed`,
      );
    }
    try {
      return work(db);
    } catch (err) {
      throw catalogError(err, action, this.path);
    }
  }
}
