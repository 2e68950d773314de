import type {
  ConnectionTarget,
  DatabaseInfo,
  DatabaseMaintenance,
  EngineCallOptions,
  MaintenanceReport,
  MaintenanceTableResult,
} from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import { quoteIdent, type MysqlSession } from './mysql-connect.js';
import { databaseExists, withServer } from './mysql-inspect.js';
import { readTables } from './mysql-objects.js';

/** Engines whose tables `REPAIR TABLE` can repair; InnoDB repairs itself on recovery instead. */
const REPAIRABLE = new Set(['myisam', 'aria', 'archive', 'csv']);

/** `lifeboat db info|optimize|check|repair` for MySQL and MariaDB, reported table by table. */
export const mysqlMaintenance: DatabaseMaintenance = {
  info: (target, options) =>
    withServer(target, options, 'reading the size of', async (session) => {
      await requireDatabase(session, target);
      const rows = await session.query(
        `SELECT TABLE_NAME AS name, COALESCE(TABLE_ROWS, 0) AS \`rows\`,
                COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS bytes
           FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'
          ORDER BY bytes DESC, name`,
        [target.database],
      );
      const tables = rows.map((r) => ({
        name: String(r.name),
        rows: Number(r.rows),
        sizeBytes: Number(r.bytes),
      }));
      const info: DatabaseInfo = {
        serverVersion: session.serverVersion,
        database: target.database,
        sizeBytes: tables.reduce((sum, t) => sum + t.sizeBytes, 0),
        tables,
      };
      return info;
    }),
  optimize: (target, options) => run(target, options, 'optimize'),
  check: (target, options) => run(target, options, 'check'),
  repair: (target, options) => run(target, options, 'repair'),
};

async function requireDatabase(session: MysqlSession, target: ConnectionTarget): Promise<void> {
  if (!(await databaseExists(session, target.database))) {
    throw new LifeboatError('DB_NOT_FOUND', `database "${target.database}" does not exist`, {
      hint: `check the database name in "${target.display}"`,
    });
  }
}

/**
 * Runs `OPTIMIZE|CHECK|REPAIR TABLE` one table at a time and keeps the server's last
 * message for each: the statements report problems as result rows, not as errors.
 * InnoDB answers OPTIMIZE with "doing recreate + analyze instead", which is success.
 */
async function run(
  target: ConnectionTarget,
  options: EngineCallOptions,
  action: 'optimize' | 'check' | 'repair',
): Promise<MaintenanceReport> {
  return withServer(target, options, `running ${action} on`, async (session) => {
    await requireDatabase(session, target);
    const results: MaintenanceTableResult[] = [];
    const notes: string[] = [];
    for (const table of await readTables(session, target.database)) {
      if (options.signal.aborted) break;
      if (action === 'repair' && !REPAIRABLE.has(table.engine.toLowerCase())) {
        results.push({
          table: table.name,
          status: 'skipped',
          message: `skipped: ${table.engine} does not support REPAIR`,
        });
        continue;
      }
      const rows = await session.query(
        `${action.toUpperCase()} TABLE ${quoteIdent(target.database)}.${quoteIdent(table.name)}`,
      );
      const errors = rows.filter((r) => /^error$/i.test(String(r.Msg_type)));
      const last = rows[rows.length - 1];
      const text = String(last?.Msg_text ?? '');
      const ok =
        errors.length === 0 &&
        (/^(ok|table is already up to date)$/i.test(text) ||
          /recreate \+ analyze/i.test(rows.map((r) => r.Msg_text).join(' ')));
      results.push({
        table: table.name,
        status: ok ? { optimize: 'optimized', check: 'ok', repair: 'repaired' }[action] : 'error',
        message: rows.map((r) => `${String(r.Msg_type)}: ${String(r.Msg_text)}`).join('; '),
      });
    }
    if (action === 'optimize')
      notes.push(
        'InnoDB tables are rebuilt (recreate + analyze), which needs free space about the size of the table',
      );
    return { action, ok: results.every((r) => r.status !== 'error'), tables: results, notes };
  });
}
