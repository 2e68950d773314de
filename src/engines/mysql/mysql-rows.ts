import type { Readable } from 'node:stream';
import { TableChecksum } from './mysql-checksum.js';
import { dataColumns, selectRows, type DataColumn } from './mysql-columns.js';
import type { MysqlSession } from './mysql-connect.js';

/** The raw rows of one table, streamed with backpressure, and the columns they hold. */
export async function openRows(
  session: MysqlSession,
  database: string,
  table: string,
): Promise<{ columns: DataColumn[]; rows: Readable }> {
  const columns = await dataColumns(session, database, table);
  return { columns, rows: session.streamRaw(selectRows(database, table, columns)) };
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
  const { columns, rows } = await openRows(session, database, table);
  const checksum = new TableChecksum();
  const empty: (Buffer | null)[] = [];
  for await (const row of rows) {
    checksum.addRow(columns.length === 0 ? empty : (row as (Buffer | null)[]));
    if ((checksum.rows & 0xfff) === 0 && signal.aborted) {
      rows.destroy();
      break;
    }
  }
  return { name: table, rows: checksum.rows, checksum: checksum.toString() };
}
