import type { TableSummary } from '../engine.js';
import type { MeasureMeter } from '../shared/measure-meter.js';
import { TextBytes, type CellValue } from './sqlite-cell.js';
import { TableChecksum } from './sqlite-checksum.js';
import { quoteIdent } from './sqlite-literals.js';
import type { SqliteDb } from './sqlite-open.js';
import type { TableShape } from './sqlite-schema.js';

/**
 * The plain SELECT: the rowid when it must be preserved, then the columns, in rowid order (as
 * `.dump` writes rows). better-sqlite3 decodes TEXT from UTF-8 and turns every invalid
 * sequence into U+FFFD, so a string without U+FFFD is exactly the stored bytes; rows with
 * one are re-read as bytes (see {@link readRows}).
 */
function selectPlainSql(shape: TableShape): string {
  const parts = shape.columns.map(quoteIdent);
  if (shape.preserveRowid && shape.rowidRef !== null) parts.unshift(shape.rowidRef);
  return `SELECT ${parts.join(', ')} FROM ${quoteIdent(shape.name)} ORDER BY ${shape.rowidRef}`;
}

/**
 * The byte-exact SELECT. Each column yields two slots: its stored bytes when it holds TEXT
 * (`CAST(c AS BLOB)`, so text that is not valid UTF-8 is not mangled on its way to
 * JavaScript), otherwise the value itself. In a UTF-16 database the cast would yield UTF-16
 * bytes, so there text is read decoded and re-encoded as UTF-8. Rows come in rowid order
 * (primary-key order for WITHOUT ROWID tables).
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

/** True when no string of the row may have lost bytes in decoding. */
function isExact(row: readonly unknown[]): boolean {
  for (const value of row) if (typeof value === 'string' && value.includes('\uFFFD')) return false;
  return true;
}

/** A row of {@link selectRowsSql} as `[rowid?, ...values]`. */
function fromSlots(shape: TableShape, slots: readonly unknown[]): CellValue[] {
  const row: CellValue[] = [];
  let i = 0;
  if (shape.preserveRowid) row.push(slots[i++] as bigint);
  for (; i < slots.length; i += 2) {
    const text = slots[i];
    if (text === null || text === undefined) row.push(slots[i + 1] as CellValue);
    else row.push(new TextBytes(Buffer.isBuffer(text) ? text : Buffer.from(String(text), 'utf8')));
  }
  return row;
}

/**
 * The rows of a table as `[rowid?, ...values]` (the rowid only when `shape.preserveRowid`),
 * values as {@link CellValue}s. Rows are read with the plain SELECT, which is about twice as
 * fast as the byte-exact one; at the first row whose text may not be exact the reader
 * switches, for the rest of the table, to the byte-exact SELECT at the same OFFSET — both
 * ordered by rowid, so the same row in the same snapshot. WITHOUT ROWID tables, and tables
 * whose columns shadow every rowid name, have no such order and are read byte-exact
 * throughout. Break out of the loop to release the statement.
 */
export function* readRows(
  db: SqliteDb,
  shape: TableShape,
  utf8: boolean,
): Generator<readonly CellValue[]> {
  let read = 0;
  if (shape.rowidRef !== null) {
    let exact = true;
    for (const row of db.prepare(selectPlainSql(shape)).raw(true).iterate() as Iterable<
      CellValue[]
    >) {
      if (!isExact(row)) {
        exact = false;
        break; // releases the plain statement
      }
      read++;
      yield row;
    }
    if (exact) return;
  }
  const sql = `${selectRowsSql(shape, utf8)} LIMIT -1 OFFSET ${read}`;
  for (const slots of db.prepare(sql).raw(true).iterate() as Iterable<unknown[]>)
    yield fromSlots(shape, slots);
}

/** Adds the values of one row of {@link readRows} (the rowid left out) to a checksum. */
export function addRow(
  checksum: TableChecksum,
  shape: TableShape,
  row: readonly CellValue[],
): void {
  checksum.beginRow();
  for (let i = shape.preserveRowid ? 1 : 0; i < row.length; i++) checksum.addValue(row[i]);
  checksum.endRow();
}

/**
 * Counts and checksums a table; call inside a transaction so the result is one snapshot.
 * better-sqlite3 reads synchronously, so at each of `meter`'s reports the pass yields to the
 * event loop (and `check` may throw to abort): a stall watch, a progress bar and Ctrl-C get
 * their turn during a table that takes minutes. Nothing else uses `db` meanwhile.
 */
export async function measureTable(
  db: SqliteDb,
  shape: TableShape,
  utf8: boolean,
  meter: MeasureMeter,
  check: () => void,
): Promise<TableSummary> {
  meter.start(shape.name);
  const checksum = new TableChecksum();
  for (const row of readRows(db, shape, utf8)) {
    addRow(checksum, shape, row);
    if (meter.row()) {
      await new Promise((resolve) => setImmediate(resolve));
      check();
    }
  }
  const summary = { name: shape.name, rows: checksum.rows, checksum: checksum.toString() };
  meter.done(summary);
  return summary;
}
