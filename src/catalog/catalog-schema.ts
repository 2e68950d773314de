import type Database from 'better-sqlite3';
import { LifeboatError } from '../errors/index.js';

/**
 * Schema migrations of the catalog, applied in order. The catalog records its version in
 * `PRAGMA user_version` (1 after the first migration, ...), so a migration never runs twice.
 * Append new migrations; never edit one that has shipped.
 */
export const CATALOG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE operations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    operation     TEXT    NOT NULL,
    connection    TEXT,
    storage       TEXT,
    artifact      TEXT,
    size_bytes    INTEGER,
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    status        TEXT    NOT NULL
      CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'partial')),
    "user"        TEXT,
    host          TEXT    NOT NULL,
    pid           INTEGER NOT NULL,
    -- A random id per lifeboat process: in a container every run may be pid 1, so the pid
    -- alone cannot tell an earlier, killed run from the current one.
    run_id        TEXT    NOT NULL,
    error_code    TEXT,
    error_message TEXT,
    details       TEXT
  );
  CREATE INDEX operations_by_start ON operations (started_at DESC, id DESC);
  CREATE INDEX operations_running ON operations (host) WHERE status = 'running';

  CREATE TABLE artifacts (
    storage            TEXT    NOT NULL,
    key                TEXT    NOT NULL,
    connection         TEXT    NOT NULL,
    engine             TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    size               INTEGER NOT NULL,
    sha256             TEXT    NOT NULL,
    tag                TEXT,
    manifest           TEXT    NOT NULL,
    last_verified_at   TEXT,
    last_verify_status TEXT CHECK (last_verify_status IN ('ok', 'failed')),
    last_verify_deep   INTEGER,
    last_verify_detail TEXT,
    restore_ms         INTEGER,
    PRIMARY KEY (storage, key)
  );
  CREATE INDEX artifacts_by_connection ON artifacts (connection, created_at DESC);
  `,
];

/** The schema version this lifeboat writes. */
export const CATALOG_SCHEMA_VERSION = CATALOG_MIGRATIONS.length;

/**
 * Brings the catalog at `path` up to {@link CATALOG_SCHEMA_VERSION}. The version is re-read
 * inside an immediate (write-locked) transaction, so two processes opening a new catalog at
 * once migrate it exactly once.
 */
export function migrateCatalog(db: Database.Database, path: string): void {
  // The common case needs no write lock: every process opening the catalog would otherwise queue.
  if (db.pragma('user_version', { simple: true }) === CATALOG_SCHEMA_VERSION) return;
  const migrate = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > CATALOG_SCHEMA_VERSION) {
      throw new LifeboatError(
        'IO_ERROR',
        `the catalog "${path}" has schema version ${current}, newer than this lifeboat knows (${CATALOG_SCHEMA_VERSION})`,
        { hint: 'upgrade lifeboat, or move the file away and run "lifeboat catalog rebuild"' },
      );
    }
    for (let version = current; version < CATALOG_SCHEMA_VERSION; version++) {
      db.exec(CATALOG_MIGRATIONS[version] as string);
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    if (current !== CATALOG_SCHEMA_VERSION) db.pragma(`user_version = ${CATALOG_SCHEMA_VERSION}`);
  });
  migrate.immediate();
}
