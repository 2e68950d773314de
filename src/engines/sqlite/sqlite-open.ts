import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ConnectionTarget } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import { fromSqliteError } from './sqlite-errors.js';

/** A better-sqlite3 connection. */
export type SqliteDb = Database.Database;

/**
 * How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
 * Long enough to ride out an application's ordinary write transactions.
 */
export const BUSY_TIMEOUT_MS = 10_000;

/** Throws DB_NOT_FOUND when the database file does not exist. */
export function assertExists(target: ConnectionTarget): void {
  if (!existsSync(target.database)) {
    throw new LifeboatError('DB_NOT_FOUND', `sqlite database "${target.database}" does not exist`, {
      hint: `check the path in the connection url "${target.display}" (relative paths resolve against the config file's directory)`,
    });
  }
}

/**
 * Opens the database read-only and starts a read transaction that pins one snapshot until
 * {@link endSnapshot}. `BEGIN` alone is deferred, so the first read (of sqlite_schema) is what
 * takes the snapshot. In WAL mode the reader keeps seeing that snapshot while writers go on
 * committing; in rollback-journal mode the SHARED lock held for the whole transaction keeps
 * writers from committing (they wait on busy_timeout and retry) — either way nothing torn is
 * read, and nothing is copied to a temp file.
 */
export function openSnapshot(target: ConnectionTarget, action: string): SqliteDb {
  assertExists(target);
  let db: SqliteDb | undefined;
  try {
    db = new Database(target.database, {
      readonly: true,
      fileMustExist: true,
      timeout: BUSY_TIMEOUT_MS,
    });
    db.defaultSafeIntegers(true);
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (err) {
    db?.close();
    throw fromSqliteError(err, action, target.database);
  }
}

/** Ends the read transaction and closes; safe to call twice. */
export function endSnapshot(db: SqliteDb): void {
  if (!db.open) return;
  try {
    if (db.inTransaction) db.exec('COMMIT');
  } finally {
    db.close();
  }
}

/** The SQLite library version, e.g. `3.53.2`. */
export function sqliteVersion(db: SqliteDb): string {
  return String(db.prepare('SELECT sqlite_version()').pluck().get());
}
