import type { TableSummary } from '../engine.js';
import { abortedError } from '../../errors/index.js';
import type { MeasureMeter } from '../shared/measure-meter.js';
import { TableChecksum, type ChecksumAlgorithm } from './mysql-checksum.js';
import { dataColumns, selectRows, type DataColumn } from './mysql-columns.js';
import type { MysqlSession } from './mysql-connect.js';
import type { BaseTable } from './mysql-objects.js';

/** The columns of one table and the SELECT that reads its raw rows (dump and summaries alike). */
export async function rowQuery(
  session: MysqlSession,
  database: string,
  table: Pick<BaseTable, 'name' | 'versioned'>,
): Promise<{ columns: DataColumn[]; history: boolean; sql: string }> {
  const read = await dataColumns(session, database, table.name, table.versioned);
  return { ...read, sql: selectRows(database, table.name, read) };
}

/**
 * Row count and checksum of one table, read exactly as the dump reads it so the two agree.
 * A table without stored columns still has rows: each row hashes as the empty encoding.
 * A system-versioned table counts every version of its rows whose history the dump keeps.
 */
export async function summarizeTable(
  session: MysqlSession,
  database: string,
  table: Pick<BaseTable, 'name' | 'versioned'>,
  signal: AbortSignal,
  meter: MeasureMeter,
  algorithm: ChecksumAlgorithm,
): Promise<TableSummary> {
  meter.start(table.name);
  const { columns, sql } = await rowQuery(session, database, table);
  const checksum = new TableChecksum(algorithm);
  const count = columns.length;
  await session.eachRaw(sql, (buf, start, end) => {
    checksum.addPacket(buf, start, end, count);
    meter.row();
    if ((checksum.rows & 0xfff) === 0 && signal.aborted) throw abortedError(signal.reason);
    return undefined;
  });
  const summary = { name: table.name, rows: checksum.rows, checksum: checksum.toString() };
  meter.done(summary);
  return summary;
}
