import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ConnectionTarget } from '../../src/engines/engine.js';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';

/** A temp directory for one test file, removed by `cleanup`. */
export function tempDir(prefix = 'lifeboat-sqlite-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The target of `<dir>/<name>`. */
export function targetIn(dir: string, name: string): ConnectionTarget {
  return sqliteEngine.parseUrl(`sqlite:${join(dir, name)}`, dir);
}

/** Runs `fn` on a fresh writable better-sqlite3 connection to `path` (unsafe: tests may poke sqlite_schema). */
export function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  db.defaultSafeIntegers(true);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** An AbortSignal that never fires. */
export const never = (): AbortSignal => new AbortController().signal;
