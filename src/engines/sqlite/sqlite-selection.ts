import type { DumpScope } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import type { SqliteDb } from './sqlite-open.js';
import { isInternal, isVirtual, type SchemaEntry } from './sqlite-schema.js';

/** SQLite compares identifiers case-insensitively for ASCII letters; so do filters. */
export function nameKey(name: string): string {
  return name.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** Throws TABLE_NOT_FOUND for the first of `wanted` missing from `available`, listing what exists. */
export function assertTablesExist(
  wanted: readonly string[],
  available: readonly string[],
  where: string,
): void {
  const keys = new Set(available.map(nameKey));
  const missing = wanted.find((name) => !keys.has(nameKey(name)));
  if (missing === undefined) return;
  const list = available.length === 0 ? '(none)' : available.join(', ');
  throw new LifeboatError('TABLE_NOT_FOUND', `table "${missing}" not found in ${where}`, {
    hint: `available tables: ${list}`,
    details: { table: missing, available },
  });
}

/**
 * Maps each shadow table (`ft_data`, ...) to its virtual table (`ft`), so that selecting or
 * excluding a virtual table carries its shadow tables, which hold its data, along.
 */
export function shadowOwners(db: SqliteDb, entries: readonly SchemaEntry[]): Map<string, string> {
  const virtuals = entries.filter(isVirtual).map((e) => e.name);
  const owners = new Map<string, string>();
  let shadows: Set<string> | undefined;
  try {
    const rows = db
      .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'")
      .all() as {
      name: string;
    }[];
    shadows = new Set(rows.map((r) => nameKey(r.name)));
  } catch {
    shadows = undefined; // a module that is not loaded: fall back to the naming convention alone
  }
  for (const entry of entries) {
    if (entry.type !== 'table' || isVirtual(entry)) continue;
    const key = nameKey(entry.name);
    if (shadows !== undefined && !shadows.has(key)) continue;
    const owner = virtuals
      .filter((v) => key.startsWith(`${nameKey(v)}_`))
      .sort((a, b) => b.length - a.length)[0];
    if (owner !== undefined) owners.set(key, owner);
  }
  return owners;
}

/**
 * Decides which tables (ordinary and virtual) a dump scope covers; returns their name keys.
 * An unknown name in `tables` is an error; an unknown name in `excludeTables` excludes nothing.
 */
export function selectTables(
  db: SqliteDb,
  entries: readonly SchemaEntry[],
  scope: DumpScope,
  where: string,
): Set<string> {
  const tables = entries.filter((e) => e.type === 'table' && e.sql !== null && !isInternal(e.name));
  const owners = shadowOwners(db, entries);
  const listed = scope.tables === undefined ? undefined : new Set(scope.tables.map(nameKey));
  const excluded = new Set((scope.excludeTables ?? []).map(nameKey));
  if (scope.tables !== undefined) {
    assertTablesExist(
      scope.tables,
      tables.map((t) => t.name),
      where,
    );
  }
  const chosen = (key: string): boolean =>
    (listed === undefined || listed.has(key)) && !excluded.has(key);
  const selected = new Set<string>();
  for (const table of tables) {
    const key = nameKey(table.name);
    const owner = owners.get(key);
    // A shadow table follows its virtual table, unless it was named itself.
    const followsOwner = owner !== undefined && chosen(nameKey(owner)) && !excluded.has(key);
    if (followsOwner || (chosen(key) && (owner === undefined || listed !== undefined)))
      selected.add(key);
  }
  return selected;
}
