import type { ConnectionTarget } from '../engine.js';
import type { SqliteDb } from './sqlite-open.js';
import { failure } from './sqlite-restore-errors.js';
import { isInternal, isVirtual, readSchema } from './sqlite-schema.js';
import { nameKey } from './sqlite-selection.js';

/**
 * Clears what a restore replaces, inside its transaction: every user object of the target, or
 * with `requested` (name keys) just those tables, whose indexes and triggers go with them.
 * Replacing the whole database also resets `user_version` and `application_id`, which a dump
 * writes only when they are not 0: a target left at its own schema version would tell its
 * migration framework that migrations ran which the restored schema does not have.
 */
export function dropExisting(
  db: SqliteDb,
  target: ConnectionTarget,
  requested: ReadonlySet<string> | undefined,
): void {
  const entries = readSchema(db).filter((e) => e.sql !== null && !isInternal(e.name));
  const drops: string[] = [];
  const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
  if (requested === undefined) {
    for (const e of entries)
      if (e.type === 'trigger') drops.push(`DROP TRIGGER IF EXISTS ${quote(e.name)}`);
    for (const e of entries)
      if (e.type === 'view') drops.push(`DROP VIEW IF EXISTS ${quote(e.name)}`);
    // Virtual tables first: dropping one drops its shadow tables, which IF EXISTS then skips.
    for (const e of entries) if (isVirtual(e)) drops.push(`DROP TABLE IF EXISTS ${quote(e.name)}`);
    for (const e of entries)
      if (e.type === 'table' && !isVirtual(e)) drops.push(`DROP TABLE IF EXISTS ${quote(e.name)}`);
  } else {
    for (const e of entries) {
      if (e.type === 'table' && requested.has(nameKey(e.name)))
        drops.push(`DROP TABLE IF EXISTS ${quote(e.name)}`);
    }
  }
  // Header fields, not objects; set inside the transaction, so a failed restore keeps them.
  if (requested === undefined) drops.push('PRAGMA user_version = 0', 'PRAGMA application_id = 0');
  for (const drop of drops) {
    try {
      db.exec(drop);
    } catch (err) {
      throw failure(target, 'while clearing the target', err);
    }
  }
}
