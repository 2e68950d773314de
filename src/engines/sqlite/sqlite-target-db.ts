import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ConnectionTarget } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import { fromSqliteError } from './sqlite-errors.js';
import { BUSY_TIMEOUT_MS, type SqliteDb } from './sqlite-open.js';

/** A writable connection to a restore target, which may have been created just now. */
export interface TargetConnection {
  readonly db: SqliteDb;
  /** True when the file did not exist before: a failed restore removes it again. */
  readonly created: boolean;
}

/**
 * Opens (or creates) the restore target for writing. Unsafe mode turns SQLite's defensive
 * flag off, which `.dump` output needs: it writes virtual tables into sqlite_schema under
 * `PRAGMA writable_schema` and fills their shadow tables, both refused in defensive mode.
 */
export function openTarget(target: ConnectionTarget): TargetConnection {
  const path = target.database;
  const created = !existsSync(path);
  if (created && !existsSync(dirname(path))) {
    throw new LifeboatError(
      'DB_UNREACHABLE',
      `cannot create sqlite database "${path}": its directory does not exist`,
      {
        hint: `create the directory "${dirname(path)}" first`,
      },
    );
  }
  let db: SqliteDb | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.defaultSafeIntegers(true);
    db.unsafeMode(true);
    db.prepare('SELECT count(*) FROM sqlite_schema').get(); // fails here if it is no database
    return { db, created };
  } catch (err) {
    db?.close();
    if (created) removeDatabaseFiles(path);
    throw fromSqliteError(err, 'opening for restore', path);
  }
}

/** Removes a database file and its journals; missing files are fine. */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal'])
    rmSync(`${path}${suffix}`, { force: true });
}
