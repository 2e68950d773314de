import { execFileSync } from 'node:child_process';

/** The real sqlite3 CLI's `.dump` of a database file: the oracle restored copies are compared with. */
export function sqliteDump(path: string): string {
  return execFileSync('sqlite3', [path, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** Runs SQL through the real sqlite3 CLI. */
export function sqlite3(path: string, sql: string): string {
  return execFileSync('sqlite3', [path], { input: sql, encoding: 'utf8', maxBuffer: 1 << 30 });
}
