import { abortedError } from '../../errors/index.js';
import { TableChecksum } from './mysql-checksum.js';
import { dataColumns, selectRows, type DataColumn } from './mysql-columns.js';
import type { MysqlSession } from './mysql-connect.js';

/** The columns of one table and the SELECT that reads its raw rows (dump and summaries alike). */
export async function rowQuery(
  session: MysqlSession,
  database: string,
  table: string,
): Promise<{ columns: DataColumn[]; sql: string }> {
  const columns = await dataColumns(session, database, table);
  return { columns, sql: selectRows(database, table, columns) };
}

/**
 * Row count and checksum of one table, read exactly as the dump reads it so the two agree.
 * A table without stored columns still has rows: each row hashes as the empty encoding.
 */
export async function summarizeTable(
  session: MysqlSession,
  database: string,
  table: string,
  signal: AbortSignal,
): Promise<{ name: string; rows: number; checksum: string }> {
  const { columns, sql } = await rowQuery(session, database, table);
  const checksum = new TableChecksum();
  const empty: (Buffer | null)[] = [];
  await session.eachRaw(sql, (row) => {
    checksum.addRow(columns.length === 0 ? empty : row);
    if ((checksum.rows & 0xfff) === 0 && signal.aborted) throw abortedError(signal.reason);
    return undefined;
  });
  return { name: table, rows: checksum.rows, checksum: checksum.toString() };
}
