import type {
  ConnectionTarget,
  DatabaseInfo,
  DatabaseMaintenance,
  EngineCallOptions,
  MaintenanceReport,
  MaintenanceTableResult,
} from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { rowsOf, serverVersion, withClient, type PgClient } from './postgres-connect.js';
import { lower } from './postgres-errors.js';
import { readDataTables } from './postgres-inspect.js';
import { tableName } from './postgres-selection.js';

/** `db info`: size, and every table with its total size and the planner's row estimate. */
async function info(target: ConnectionTarget, options: EngineCallOptions): Promise<DatabaseInfo> {
  return withClient(target, 'reading information about', options.signal, async (c) => {
    const tables = await rowsOf<{ schema: string; name: string; rows: string; size: string }>(
      c,
      `SELECT n.nspname AS schema, c.relname AS name, GREATEST(c.reltuples, 0)::bigint AS rows,
         pg_total_relation_size(c.oid) AS size
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND n.nspname NOT LIKE 'pg\\_%'
       ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2`,
    );
    const [size] = await rowsOf<{ s: string }>(
      c,
      'SELECT pg_database_size(current_database()) AS s',
    );
    return {
      serverVersion: (await serverVersion(c)).text,
      database: target.database,
      sizeBytes: Number(size?.s ?? 0),
      tables: tables.map((t) => ({
        name: tableName(t),
        rows: Number(t.rows),
        sizeBytes: Number(t.size),
      })),
    };
  });
}

/** Runs `sql(table)` per table, outside a transaction (VACUUM needs that), reporting each. */
async function perTable(
  target: ConnectionTarget,
  options: EngineCallOptions,
  action: MaintenanceReport['action'],
  done: string,
  sql: (qname: string, c: PgClient) => Promise<string | undefined>,
  notes: (c: PgClient) => Promise<string[]> = async () => [],
): Promise<MaintenanceReport> {
  return withClient(target, `running ${action} on`, options.signal, async (c) => {
    const results: MaintenanceTableResult[] = [];
    for (const t of await readDataTables(c)) {
      throwIfAborted(options.signal);
      try {
        const problem = await sql(t.qname, c);
        results.push(
          problem === undefined
            ? { table: tableName(t), status: done }
            : { table: tableName(t), status: 'error', message: problem },
        );
      } catch (err) {
        results.push({
          table: tableName(t),
          status: 'error',
          message: lower((err as Error).message),
        });
      }
    }
    return {
      action,
      ok: results.every((r) => r.status !== 'error'),
      tables: results,
      notes: await notes(c),
    };
  });
}

async function hasAmcheck(c: PgClient): Promise<boolean> {
  const rows = await rowsOf(c, `SELECT 1 FROM pg_extension WHERE extname = 'amcheck'`);
  return rows.length > 0;
}

/**
 * `db optimize|check|repair` for PostgreSQL: `VACUUM (ANALYZE)`; amcheck's `bt_index_check`
 * (with `heapallindexed`: every row has its index entry) on every B-tree index when the
 * extension is installed (lifeboat does not install it: that
 * is a schema change), else a full read of each table, which fails on damaged heap pages;
 * `REINDEX TABLE`.
 */
export const postgresMaintenance: DatabaseMaintenance = {
  info,
  optimize: (target, options) =>
    perTable(target, options, 'optimize', 'analyzed', async (q, c) => {
      await c.query(`VACUUM (ANALYZE) ${q}`);
      return undefined;
    }),
  check: async (target, options) => {
    let amcheck = false;
    return perTable(
      target,
      options,
      'check',
      'ok',
      async (q, c) => {
        amcheck = await hasAmcheck(c);
        if (amcheck) {
          await c.query(
            // heapallindexed: also every heap row must have its index entry (amcheck 1.1+)
            `SELECT bt_index_check(i.indexrelid, true) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_am am ON am.oid = ic.relam WHERE i.indrelid = $1::regclass AND am.amname = 'btree'
               AND i.indisvalid`,
            [q],
          );
        }
        await c.query(`SELECT count(*) FROM ONLY ${q}`);
        return undefined;
      },
      async () => [
        amcheck
          ? 'checked every b-tree index with amcheck (bt_index_check, heapallindexed) and read every table'
          : 'amcheck is not installed: read every table in full (install amcheck for index checks)',
      ],
    );
  },
  repair: (target, options) =>
    perTable(target, options, 'repair', 'reindexed', async (q, c) => {
      await c.query(`REINDEX TABLE ${q}`);
      return undefined;
    }),
};
