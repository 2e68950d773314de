import type { SqliteDb } from './sqlite-open.js';

/** One row of sqlite_schema. */
export interface SchemaEntry {
  readonly type: string;
  readonly name: string;
  readonly tblName: string;
  readonly sql: string | null;
}

/** What the row reader needs to know about one table. */
export interface TableShape {
  readonly name: string;
  /** Stored, non-generated columns in declaration order: what an INSERT must list. */
  readonly columns: readonly string[];
  /** A name that reaches the rowid (`rowid`, `_rowid_` or `oid`, whichever is no column), or null. */
  readonly rowidRef: string | null;
  /**
   * True when the rowid is hidden (no INTEGER PRIMARY KEY alias) and must be written
   * explicitly so rowids, and with them `.dump`'s row order, survive a restore.
   */
  readonly preserveRowid: boolean;
}

/** sqlite_schema in creation (rowid) order: the order `sqlite3 .dump` writes objects in. */
export function readSchema(db: SqliteDb): SchemaEntry[] {
  const rows = db
    .prepare('SELECT type, name, tbl_name AS tblName, sql FROM sqlite_schema ORDER BY rowid')
    .all() as SchemaEntry[];
  return rows;
}

/** True for SQLite's own objects (`sqlite_sequence`, `sqlite_stat1`, autoindexes). */
export function isInternal(name: string): boolean {
  return name.toLowerCase().startsWith('sqlite_');
}

/** True for a `CREATE VIRTUAL TABLE` entry; its data lives in ordinary shadow tables. */
export function isVirtual(entry: SchemaEntry): boolean {
  return entry.type === 'table' && /^CREATE\s+VIRTUAL\s+TABLE/i.test(entry.sql ?? '');
}

/**
 * User tables whose rows can be dumped: ordinary tables (shadow tables of virtual tables
 * included, as `.dump` does) in creation order, without SQLite's internal tables.
 */
export function dataTables(entries: readonly SchemaEntry[]): SchemaEntry[] {
  return entries.filter(
    (e) => e.type === 'table' && e.sql !== null && !isInternal(e.name) && !isVirtual(e),
  );
}

/** Reads a table's columns and rowid handling from the pragmas. */
export function tableShape(db: SqliteDb, name: string): TableShape {
  const columns = db
    .prepare('SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)')
    .all(name) as { name: string; type: string; pk: bigint; hidden: bigint }[];
  const withoutRowid = isWithoutRowid(db, name);
  const names = new Set(columns.map((c) => c.name.toLowerCase()));
  const rowidRef = withoutRowid
    ? null
    : (['rowid', '_rowid_', 'oid'].find((n) => !names.has(n)) ?? null);
  return {
    name,
    // hidden: 0 = ordinary, 1 = hidden column of a virtual table, 2/3 = generated (virtual/stored).
    columns: columns.filter((c) => c.hidden === 0n).map((c) => c.name),
    rowidRef,
    preserveRowid: rowidRef !== null && !hasRowidAlias(db, name, columns),
  };
}

function isWithoutRowid(db: SqliteDb, name: string): boolean {
  try {
    const list = db
      .prepare("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?")
      .get(name) as { wr: bigint } | undefined;
    return list !== undefined && list.wr !== 0n;
  } catch {
    // pragma_table_list can fail when a virtual table's module is not loaded; fall back to
    // asking for the rowid, which only WITHOUT ROWID tables lack.
    try {
      db.prepare(`SELECT _rowid_ FROM "${name.replaceAll('"', '""')}" LIMIT 0`);
      return false;
    } catch {
      return true;
    }
  }
}

/**
 * An INTEGER PRIMARY KEY column is the rowid itself. The declared type alone is not enough
 * (`INTEGER PRIMARY KEY DESC` is not an alias), but a primary key that is not an alias always
 * has an automatic index, so: one INTEGER key column and no index of origin `pk`.
 */
function hasRowidAlias(
  db: SqliteDb,
  name: string,
  columns: readonly { type: string; pk: bigint }[],
): boolean {
  const keys = columns.filter((c) => c.pk > 0n);
  if (keys.length !== 1 || keys[0]?.type.toUpperCase() !== 'INTEGER') return false;
  const pkIndex = db.prepare("SELECT 1 FROM pragma_index_list(?) WHERE origin = 'pk'").get(name);
  return pkIndex === undefined;
}

/** `PRAGMA encoding`: `UTF-8`, `UTF-16le` or `UTF-16be`. */
export function isUtf8Database(db: SqliteDb): boolean {
  return String(db.pragma('encoding', { simple: true })) === 'UTF-8';
}
