import type { MysqlSession } from './mysql-connect.js';
import { quoteIdent } from './mysql-connect.js';

/**
 * How a column's value is written in an INSERT: `hex` as a hex literal (BIT), `binary` as a
 * hex literal up to {@link HEX_MAX_BYTES} bytes and an escaped `_binary'…'` string beyond
 * (binary strings, BLOBs, geometries), `string` as an escaped utf8mb4 string.
 */
export type ValueKind = 'number' | 'hex' | 'binary' | 'string';

/**
 * Binary values longer than this are written as `_binary'…'` with escapes (~1.03× their size
 * for random bytes) instead of hex (2×): a 9 MiB BLOB, which the server took under its default
 * 16 MiB max_allowed_packet, would otherwise need an 18 MiB statement to come back.
 */
export const HEX_MAX_BYTES = 64;

/** A column the dump writes and the checksum covers. */
export interface DataColumn {
  readonly name: string;
  readonly dataType: string;
  readonly kind: ValueKind;
}

const NUMERIC = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
  'year',
]);
const BINARY = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

/** The columns a table's rows are read and written with, and whether its row history is. */
export interface TableColumns {
  readonly columns: DataColumn[];
  /**
   * A system-versioned table whose history is dumped: rows are read `FOR SYSTEM_TIME ALL`
   * with their ROW START / ROW END timestamps, and inserted with
   * `system_versioning_insert_history` on (MariaDB 10.11+).
   */
  readonly history: boolean;
}

/**
 * The stored columns of a table in ordinal order, invisible ones included (a `SELECT *`
 * would miss them), generated ones left out: the server computes those again on restore and
 * refuses explicit values for them. A system-versioned table keeps its row periods: explicit
 * `GENERATED ALWAYS AS ROW START/END` columns where they stand, implicit ones as `row_start`
 * and `row_end` at the end. Tables versioned by transaction id (BIGINT periods) lose their
 * history: the ids mean nothing on another server, and the server takes no explicit values
 * for them.
 */
export async function dataColumns(
  session: MysqlSession,
  database: string,
  table: string,
  versioned: boolean,
): Promise<TableColumns> {
  const rows = await session.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, EXTRA AS extra, GENERATION_EXPRESSION AS expr
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  const period = (r: (typeof rows)[number]): boolean =>
    versioned && /^ROW (START|END)$/i.test(String(r.expr ?? ''));
  const periods = rows.filter(period);
  const history = versioned && periods.every((r) => String(r.type).toLowerCase() !== 'bigint');
  const columns = rows
    .filter(
      (r) =>
        (history && period(r)) ||
        !/\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(String(r.extra ?? '')),
    )
    .map((r) => {
      const dataType = String(r.type).toLowerCase();
      const kind: ValueKind = NUMERIC.has(dataType)
        ? 'number'
        : dataType === 'bit'
          ? 'hex'
          : BINARY.has(dataType)
            ? 'binary'
            : 'string';
      return { name: String(r.name), dataType, kind };
    });
  if (history && periods.length === 0) {
    columns.push(
      { name: 'row_start', dataType: 'timestamp', kind: 'string' },
      { name: 'row_end', dataType: 'timestamp', kind: 'string' },
    );
  }
  return { columns, history };
}

/**
 * The SELECT list item for a column. FLOAT is widened to DOUBLE: the server prints FLOAT
 * with 6 significant digits (16777217 comes back as 1.67772e7), while a DOUBLE is printed in
 * the shortest form that reads back to the same value, so FLOAT values round-trip exactly.
 * `+ 0e0` rather than `CAST(… AS DOUBLE)` works on every MySQL and MariaDB version.
 */
export function selectExpression(column: DataColumn): string {
  const ident = quoteIdent(column.name);
  return column.dataType === 'float' ? `(${ident} + 0e0)` : ident;
}

/** `SELECT <columns> FROM db.table`, the one query both dump and summarize read rows with. */
export function selectRows(
  database: string,
  table: string,
  { columns, history }: TableColumns,
): string {
  const list = columns.length === 0 ? '1' : columns.map(selectExpression).join(', ');
  const all = history ? ' FOR SYSTEM_TIME ALL' : '';
  return `SELECT ${list} FROM ${quoteIdent(database)}.${quoteIdent(table)}${all}`;
}
