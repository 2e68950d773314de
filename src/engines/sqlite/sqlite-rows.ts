import type { TableSummary } from '../engine.js';
import { TableChecksum } from './sqlite-checksum.js';
import { quoteIdent } from './sqlite-literals.js';
import type { SqliteDb } from './sqlite-open.js';
import type { TableShape } from './sqlite-schema.js';

/**
 * The SELECT that reads a table for dumping and checksumming. Each column yields two slots:
 * its stored bytes when it holds TEXT (`CAST(c AS BLOB)`, so text that is not valid UTF-8 is
 * not mangled on its way to JavaScript), otherwise the value itself. In a UTF-16 database the
 * cast would yield UTF-16 bytes, so there text is read decoded and re-encoded as UTF-8.
 * Rows come in rowid order (primary-key order for WITHOUT ROWID tables), as `.dump` writes them.
 */
export function selectRowsSql(shape: TableShape, utf8: boolean): string {
  const parts: string[] = [];
  if (shape.preserveRowid && shape.rowidRef !== null) parts.push(shape.rowidRef);
  for (const column of shape.columns) {
    const c = quoteIdent(column);
    const text = utf8 ? `CAST(${c} AS BLOB)` : c;
    parts.push(
      `CASE WHEN typeof(${c}) = 'text' THEN ${text} END`,
      `CASE WHEN typeof(${c}) = 'text' THEN NULL ELSE ${c} END`,
    );
  }
  const order = shape.rowidRef === null ? '' : ` ORDER BY ${shape.rowidRef}`;
  return `SELECT ${parts.join(', ')} FROM ${quoteIdent(shape.name)}${order}`;
}

/** A TEXT slot as bytes (a UTF-16 database delivers a decoded string instead), or null. */
export function textSlot(slot: unknown): Buffer | null {
  if (slot === null || slot === undefined) return null;
  return Buffer.isBuffer(slot) ? slot : Buffer.from(String(slot), 'utf8');
}

/** Iterates the raw rows of {@link selectRowsSql}; break out of the loop to release the statement. */
export function iterateRows(
  db: SqliteDb,
  shape: TableShape,
  utf8: boolean,
): IterableIterator<unknown[]> {
  return db.prepare(selectRowsSql(shape, utf8)).raw(true).iterate() as IterableIterator<unknown[]>;
}

/** Adds one raw row (as {@link iterateRows} yields it) to a checksum. */
export function addRow(checksum: TableChecksum, shape: TableShape, row: readonly unknown[]): void {
  checksum.beginRow();
  let i = shape.preserveRowid ? 1 : 0;
  for (let c = 0; c < shape.columns.length; c++, i += 2)
    checksum.addValue(textSlot(row[i]), row[i + 1]);
  checksum.endRow();
}

/** Counts and checksums a table; call inside a transaction so the result is one snapshot. */
export function summarizeTable(db: SqliteDb, shape: TableShape, utf8: boolean): TableSummary {
  const checksum = new TableChecksum();
  for (const row of iterateRows(db, shape, utf8)) addRow(checksum, shape, row);
  return { name: shape.name, rows: checksum.rows, checksum: checksum.toString() };
}
