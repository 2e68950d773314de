import type {
  ConnectionTarget,
  DatabaseDescription,
  EngineCallOptions,
  SummarizeOptions,
  TableSummary,
} from '../engine.js';
import { MeasureMeter } from '../shared/measure-meter.js';
import { isLifeboatError, throwIfAborted } from '../../errors/index.js';
import { rowsOf, serverVersion, withClient, type PgClient } from './postgres-connect.js';
import { assertTablesExist, tableName } from './postgres-selection.js';
import { copyOut, prepareSession } from './postgres-session.js';
import { checksumAlgorithm } from './postgres-checksum.js';
import {
  countLargeObjects,
  LARGE_OBJECTS_TABLE,
  measureLargeObjects,
} from './postgres-large-objects.js';
import { configCondition } from './postgres-extension-config.js';
import { COLUMNS_JSON, copyOutSql } from './postgres-tables.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

/** A table that holds rows (partitioned parents hold none; their partitions do). */
export interface DataTableRow {
  schema: string;
  name: string;
  qname: string;
  columns: { name: string; generated: string }[];
  /** A configuration table's condition (`CopyShape.condition`); null for a user table. */
  condition: string | null;
}

/**
 * User tables with rows of their own, and extensions' configuration tables (measured as they
 * are dumped: the rows their condition selects), in name order.
 */
export function readDataTables(client: PgClient): Promise<DataTableRow[]> {
  return rowsOf(
    client,
    `SELECT n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname,
       ${COLUMNS_JSON('c')} AS columns, cfg.condition
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL (SELECT ${configCondition('c')} AS condition) cfg
     WHERE c.relkind = 'r'
       AND (cfg.condition IS NOT NULL OR (${USER_NS} AND ${notExtMember('pg_class', 'c')}))
     ORDER BY n.nspname, c.relname`,
  );
}

/**
 * Summaries of `wanted` (all data tables when undefined) on an open, prepared connection.
 * A wanted name that is no data table fails, unless `only` says the names merely filter (a
 * restore's touched relations include partitioned parents, which hold no rows themselves).
 */
export async function summariesOn(
  client: PgClient,
  wanted: readonly string[] | undefined,
  where: string,
  options: SummarizeOptions,
  only: 'exist' | 'filter' = 'exist',
): Promise<TableSummary[]> {
  const { signal } = options;
  const algorithm = checksumAlgorithm(options.checksumAlgorithm);
  const all = await readDataTables(client);
  // Large objects are measured as one pseudo-table: asked for by name (a restore that wrote
  // them, a manifest that lists them), or with everything when the database has any.
  const withLargeObjects =
    wanted === undefined
      ? (await countLargeObjects(client)) > 0
      : wanted.includes(LARGE_OBJECTS_TABLE);
  const tablesWanted = wanted?.filter((n) => n !== LARGE_OBJECTS_TABLE);
  if (tablesWanted !== undefined && only === 'exist') assertTablesExist(tablesWanted, all, where);
  const names = tablesWanted === undefined ? undefined : new Set(tablesWanted);
  const measured = all.filter(
    (t) => names === undefined || names.has(tableName(t)) || names.has(`${t.schema}.${t.name}`),
  );
  const meter = new MeasureMeter(options.onMeasure, measured.length + (withLargeObjects ? 1 : 0));
  const out: TableSummary[] = [];
  for (const t of measured) {
    throwIfAborted(signal);
    meter.start(tableName(t));
    const checksum = await copyOut(
      client,
      copyOutSql(t),
      undefined,
      signal,
      (rows) => meter.rowsSoFar(rows),
      algorithm,
    );
    const summary = { name: tableName(t), rows: checksum.rows, checksum: checksum.toString() };
    meter.done(summary);
    out.push(summary);
  }
  if (withLargeObjects) {
    meter.start(LARGE_OBJECTS_TABLE);
    const summary = await measureLargeObjects(client, algorithm, signal);
    meter.done(summary);
    out.push(summary);
  }
  return out;
}

/** Tables with exact row counts and the database size; null when the database does not exist. */
export async function describePostgres(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<DatabaseDescription | null> {
  try {
    return await withClient(target, 'describing', options.signal, async (client) => {
      const tables = [];
      for (const t of await readDataTables(client)) {
        const [row] = await rowsOf<{ n: string }>(
          client,
          `SELECT count(*) AS n FROM ONLY ${t.qname} ${t.condition ?? ''}`,
        );
        tables.push({ name: tableName(t), rows: Number(row?.n ?? 0) });
      }
      const [size] = await rowsOf<{ s: string }>(
        client,
        'SELECT pg_database_size(current_database()) AS s',
      );
      return {
        serverVersion: (await serverVersion(client)).text,
        tables,
        sizeBytes: Number(size?.s ?? 0),
      };
    });
  } catch (err) {
    if (isLifeboatError(err, 'DB_NOT_FOUND')) return null;
    throw err;
  }
}

/** Summaries from one snapshot, computed like the dump's (COPY text lines). */
export async function summarizePostgres(
  target: ConnectionTarget,
  tables: readonly string[] | undefined,
  options: SummarizeOptions,
): Promise<readonly TableSummary[]> {
  return withClient(target, 'summarizing', options.signal, async (client) => {
    await prepareSession(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    try {
      return await summariesOn(client, tables, `"${target.display}"`, options);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
}
