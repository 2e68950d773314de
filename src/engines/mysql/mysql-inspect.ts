import type {
  ConnectionTarget,
  DatabaseDescription,
  EngineCallOptions,
  SummarizeOptions,
  TableSummary,
} from '../engine.js';
import { MeasureMeter } from '../shared/measure-meter.js';
import { LifeboatError } from '../../errors/index.js';
import { MysqlSession, quoteIdent } from './mysql-connect.js';
import { readTables } from './mysql-objects.js';
import { checksumAlgorithm } from './mysql-checksum.js';
import { summarizeTable } from './mysql-rows.js';

/** True when the server has a database of that name. */
export async function databaseExists(session: MysqlSession, database: string): Promise<boolean> {
  const rows = await session.query(
    'SELECT 1 AS x FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
  );
  return rows.length > 0;
}

/** Runs `work` on a session without a selected database, closing it afterwards. */
export async function withServer<T>(
  target: ConnectionTarget,
  options: EngineCallOptions,
  action: string,
  work: (session: MysqlSession) => Promise<T>,
): Promise<T> {
  const session = await MysqlSession.open(target, {
    signal: options.signal,
    database: null,
    action,
  });
  try {
    return await work(session);
  } catch (err) {
    throw session.mapError(err, action);
  } finally {
    await session.close();
  }
}

/** Base tables with exact row counts (COUNT(*) is what `compare` and restore plans show). */
export async function describeMysql(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<DatabaseDescription | null> {
  return withServer(target, options, 'describing', async (session) => {
    if (!(await databaseExists(session, target.database))) return null;
    const tables = [];
    for (const table of await readTables(session, target.database)) {
      const [row] = await session.query(
        `SELECT COUNT(*) AS n FROM ${quoteIdent(target.database)}.${quoteIdent(table.name)}`,
      );
      tables.push({ name: table.name, rows: Number(row?.n ?? 0) });
    }
    const [size] = await session.query(
      'SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [target.database],
    );
    return { serverVersion: session.serverVersion, tables, sizeBytes: Number(size?.bytes ?? 0) };
  });
}

/** Summaries computed exactly as the dump computes them. */
export async function summarizeMysql(
  target: ConnectionTarget,
  tables: readonly string[] | undefined,
  options: SummarizeOptions,
): Promise<readonly TableSummary[]> {
  return withServer(target, options, 'summarizing', async (session) => {
    if (!(await databaseExists(session, target.database))) {
      throw new LifeboatError('DB_NOT_FOUND', `database "${target.database}" does not exist`, {
        hint: `check the database name in "${target.display}"`,
      });
    }
    return summarizeIn(session, target.database, tables, options);
  });
}

/** Summaries of tables of `database` on an open session. */
export async function summarizeIn(
  session: MysqlSession,
  database: string,
  tables: readonly string[] | undefined,
  options: SummarizeOptions,
): Promise<TableSummary[]> {
  const all = await readTables(session, database);
  const existing = all.map((t) => t.name);
  const names = tables ?? existing;
  const missing = names.filter((n) => !existing.includes(n));
  if (missing.length > 0) {
    throw new LifeboatError(
      'TABLE_NOT_FOUND',
      `table "${missing[0]}" does not exist in "${database}"`,
      {
        hint: `tables: ${existing.join(', ') || '(none)'}`,
      },
    );
  }
  const algorithm = checksumAlgorithm(options.checksumAlgorithm);
  const meter = new MeasureMeter(options.onMeasure, names.length);
  const result: TableSummary[] = [];
  for (const name of names) {
    const table = all.find((t) => t.name === name) ?? { name, versioned: false };
    result.push(await summarizeTable(session, database, table, options.signal, meter, algorithm));
  }
  return result;
}
