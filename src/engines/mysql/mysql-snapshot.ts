import type { ConnectionTarget, DumpScope, DumpSession, EngineCallOptions } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import { MysqlSession, quoteIdent } from './mysql-connect.js';
import { MysqlDumpSession } from './mysql-dumper.js';
import {
  isTransactional,
  readEvents,
  readRoutines,
  readSequences,
  readTables,
  readTriggers,
  readDatabaseDefaults,
  readViews,
  type BaseTable,
} from './mysql-objects.js';
import { mysqlCode } from './mysql-errors.js';
import { dataColumns } from './mysql-columns.js';

/**
 * Opens a dump of `target`: reads what to dump, then starts one REPEATABLE READ
 * `START TRANSACTION WITH CONSISTENT SNAPSHOT` that every table is read from.
 *
 * Non-transactional tables (MyISAM, Aria, …) are not covered by the snapshot. They are named
 * in a warning, or, with the `lockTables` option, locked `READ` by a second connection from
 * before the snapshot starts until the last of them is dumped (they are dumped first): a
 * second connection because `LOCK TABLES` in the dumping session would end its transaction.
 *
 * The binary log position is recorded when the server writes one. MariaDB reports the
 * position of the snapshot itself (`binlog_snapshot_file/position`), so no global lock is
 * needed; on MySQL a brief `FLUSH TABLES WITH READ LOCK` around the snapshot start makes the
 * position exact when the user has RELOAD, and without it the position is marked approximate.
 */
export async function openMysqlDump(
  target: ConnectionTarget,
  scope: DumpScope,
  options: EngineCallOptions,
): Promise<DumpSession> {
  const session = await MysqlSession.open(target, {
    signal: options.signal,
    action: 'opening for backup',
  });
  let locker: MysqlSession | undefined;
  try {
    const all = await readTables(session, target.database);
    const sequences = await readSequences(session, target.database);
    const selected = selectTables(all, sequences, scope, target);
    const whole = scope.tables === undefined;
    const excluded = new Set(scope.excludeTables ?? []);
    // A sequence is schema with state: part of a whole dump that has the schema.
    const dumpedSequences = scope.schema && whole ? sequences.filter((s) => !excluded.has(s)) : [];
    const views = scope.schema && whole ? await readViews(session, target.database) : [];
    // A dump of some tables is restored among others': the database is not its to change.
    const databaseDefaults =
      scope.schema && whole ? await readDatabaseDefaults(session, target.database) : undefined;
    const names = new Set(selected.map((t) => t.name));
    const objects = scope.schema
      ? [
          ...(await readTriggers(session, target.database)).filter((t) => names.has(t.table ?? '')),
          ...(whole ? await readRoutines(session, target.database) : []),
          ...(whole ? await readEvents(session, target.database) : []),
        ]
      : [];
    const plain = selected.filter((t) => !isTransactional(t));
    const warnings: string[] = [];
    if (scope.data) await warnLostHistory(session, target.database, selected, warnings);
    const lock = scope.options?.lockTables === true && plain.length > 0 && scope.data;
    if (lock) {
      locker = await MysqlSession.open(target, {
        signal: options.signal,
        action: 'locking tables of',
      });
      await locker.query(
        `LOCK TABLES ${plain.map((t) => `${quoteIdent(t.name)} READ`).join(', ')}`,
      );
    } else if (plain.length > 0 && scope.data) {
      warnings.push(
        `tables ${plain.map((t) => `"${t.name}" (${t.engine})`).join(', ')} use a non-transactional engine and were read without a lock; writes during the backup may leave them inconsistent with the rest (use --lock-tables)`,
      );
    }
    const facts = await startSnapshot(session, warnings);
    // Locked tables go first so their lock can be dropped as early as possible.
    const ordered = lock ? [...plain, ...selected.filter((t) => isTransactional(t))] : selected;
    const held = locker;
    return new MysqlDumpSession({
      session,
      database: target.database,
      scope,
      signal: options.signal,
      tables: ordered,
      sequences: dumpedSequences,
      views,
      objects,
      databaseDefaults,
      facts,
      warnings,
      locked: new Set(lock ? plain.map((t) => t.name) : []),
      unlock: held
        ? async () => {
            await held.query('UNLOCK TABLES').catch(() => undefined);
            await held.close();
          }
        : undefined,
    });
  } catch (err) {
    await locker?.close();
    await session.close();
    throw session.mapError(err, 'opening for backup');
  }
}

/**
 * Filters by `tables` / `excludeTables`; an unknown name is TABLE_NOT_FOUND listing the real
 * ones. `excludeTables` may also name a sequence.
 */
function selectTables(
  all: BaseTable[],
  sequences: readonly string[],
  scope: DumpScope,
  target: ConnectionTarget,
): BaseTable[] {
  const known = new Set(all.map((t) => t.name));
  const excludable = new Set([...known, ...sequences]);
  for (const name of scope.excludeTables ?? []) {
    if (!excludable.has(name)) throw tableNotFound(name, all, target);
  }
  for (const name of scope.tables ?? []) {
    if (!known.has(name)) throw tableNotFound(name, all, target);
  }
  const only = scope.tables === undefined ? undefined : new Set(scope.tables);
  const excluded = new Set(scope.excludeTables ?? []);
  return all.filter((t) => (only === undefined || only.has(t.name)) && !excluded.has(t.name));
}

function tableNotFound(name: string, all: BaseTable[], target: ConnectionTarget): LifeboatError {
  return new LifeboatError(
    'TABLE_NOT_FOUND',
    `table "${name}" does not exist in "${target.display}"`,
    {
      hint: `tables: ${all.map((t) => t.name).join(', ') || '(none)'}`,
    },
  );
}

/**
 * Names the system-versioned tables whose history the dump cannot keep: those versioned by
 * transaction id (see `dataColumns`). Their current rows are dumped.
 */
async function warnLostHistory(
  session: MysqlSession,
  database: string,
  tables: readonly BaseTable[],
  warnings: string[],
): Promise<void> {
  const lost: string[] = [];
  for (const t of tables.filter((t) => t.versioned)) {
    if (!(await dataColumns(session, database, t.name, true)).history) lost.push(`"${t.name}"`);
  }
  if (lost.length > 0) {
    warnings.push(
      `tables ${lost.join(', ')} are system-versioned by transaction id: only their current rows are backed up, not their history`,
    );
  }
}

/** Starts the snapshot transaction and returns the binary log facts at its start. */
async function startSnapshot(
  session: MysqlSession,
  warnings: string[],
): Promise<Record<string, unknown>> {
  const [vars] = await session.query('SELECT @@log_bin AS logBin');
  const binlog = Number(vars?.logBin ?? 0) === 1;
  await session.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  const start = 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY';
  if (!binlog) {
    await session.query(start);
    return { binlog: null };
  }
  if (session.mariadb) {
    await session.query(start);
    const rows = await session.query("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const status = Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
    const file = status.binlog_snapshot_file ?? '';
    const position = Number(status.binlog_snapshot_position ?? 0);
    const [gtid] = await session.query('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [file, position]);
    return { binlog: { file, position, gtid: gtid?.gtid ?? null, exact: true } };
  }
  let locked = false;
  try {
    await session.query('FLUSH TABLES WITH READ LOCK');
    locked = true;
  } catch (err) {
    if (!/ACCESS_DENIED/.test(mysqlCode(err) ?? '')) throw err;
    warnings.push('the user lacks RELOAD, so the recorded binary log position is approximate');
  }
  try {
    await session.query(start);
    // MySQL 8.2 renamed SHOW MASTER STATUS; older servers know only the old name.
    const [status] = await session
      .query('SHOW BINARY LOG STATUS')
      .catch(() => session.query('SHOW MASTER STATUS'));
    const [gtid] = await session
      .query('SELECT @@GLOBAL.gtid_executed AS gtid')
      .catch(() => [undefined]);
    return {
      binlog: {
        file: status?.File ?? null,
        position: status?.Position === undefined ? null : Number(status.Position),
        gtid: gtid?.gtid ?? status?.Executed_Gtid_Set ?? null,
        exact: locked,
      },
    };
  } finally {
    if (locked) await session.query('UNLOCK TABLES');
  }
}
