import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type {
  ConnectionTarget,
  DatabaseInfo,
  DatabaseMaintenance,
  EngineCallOptions,
  MaintenanceReport,
  MaintenanceTableResult,
} from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { fromSqliteError } from './sqlite-errors.js';
import {
  BUSY_TIMEOUT_MS,
  assertExists,
  endSnapshot,
  openSnapshot,
  sqliteVersion,
  type SqliteDb,
} from './sqlite-open.js';
import { dataTables, readSchema } from './sqlite-schema.js';

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Sizes per table from the dbstat virtual table, when this SQLite build has it. */
function tableSizes(db: SqliteDb): Map<string, number> {
  try {
    const rows = db
      .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name')
      .all() as {
      name: string;
      bytes: bigint;
    }[];
    return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
  } catch {
    // Without dbstat the sizes are unknown; the table list and row counts still stand.
    return new Map();
  }
}

async function info(target: ConnectionTarget, options: EngineCallOptions): Promise<DatabaseInfo> {
  throwIfAborted(options.signal);
  const db = openSnapshot(target, 'inspecting');
  try {
    const sizes = tableSizes(db);
    const tables = dataTables(readSchema(db)).map((e) => ({
      name: e.name,
      rows: Number(
        db
          .prepare(`SELECT count(*) FROM ${quote(e.name)}`)
          .pluck()
          .get() as bigint,
      ),
      sizeBytes: sizes.get(e.name) ?? 0,
    }));
    tables.sort((a, b) => b.sizeBytes - a.sizeBytes || b.rows - a.rows);
    return {
      serverVersion: sqliteVersion(db),
      database: target.database,
      sizeBytes: statSync(target.database).size,
      tables,
    };
  } catch (err) {
    throw fromSqliteError(err, 'inspecting', target.database);
  } finally {
    endSnapshot(db);
  }
}

/** Runs `work` on a writable connection; maintenance changes the file, so it is not read-only. */
function withWritable<T>(target: ConnectionTarget, action: string, work: (db: SqliteDb) => T): T {
  assertExists(target);
  let db: SqliteDb | undefined;
  try {
    db = new Database(target.database, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    db.defaultSafeIntegers(true);
    return work(db);
  } catch (err) {
    throw fromSqliteError(err, action, target.database);
  } finally {
    db?.close();
  }
}

function tableNames(db: SqliteDb): string[] {
  return dataTables(readSchema(db)).map((e) => e.name);
}

async function optimize(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<MaintenanceReport> {
  throwIfAborted(options.signal);
  const before = statSync(target.database).size;
  return withWritable(target, 'optimizing', (db) => {
    // VACUUM rebuilds the whole file (it cannot work per table); ANALYZE then refreshes the
    // planner statistics of every table.
    db.exec('VACUUM');
    const tables: MaintenanceTableResult[] = tableNames(db).map((table) => {
      db.exec(`ANALYZE ${quote(table)}`);
      return { table, status: 'analyzed' };
    });
    const after = statSync(target.database).size;
    return {
      action: 'optimize',
      ok: true,
      tables,
      notes: [`VACUUM rebuilt the file: ${before} -> ${after} bytes`],
    };
  });
}

async function check(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<MaintenanceReport> {
  throwIfAborted(options.signal);
  const db = openSnapshot(target, 'checking');
  try {
    const problems = (db.prepare('PRAGMA integrity_check').pluck().all() as string[]).filter(
      (m) => m !== 'ok',
    );
    const fk = db.prepare('PRAGMA foreign_key_check').all() as {
      table: string;
      rowid: bigint | null;
      parent: string;
    }[];
    const tables: MaintenanceTableResult[] = tableNames(db).map((table) => {
      const mine = problems.filter((m) => m.includes(table));
      const orphans = fk.filter((f) => f.table === table);
      if (mine.length === 0 && orphans.length === 0) return { table, status: 'ok' };
      const messages = [
        ...mine,
        ...(orphans.length
          ? [`${orphans.length} rows reference missing rows in "${orphans[0]?.parent}"`]
          : []),
      ];
      return { table, status: 'error', message: messages.join('; ') };
    });
    const unattributed = problems.filter((m) => !tables.some((t) => m.includes(t.table)));
    return {
      action: 'check',
      ok: problems.length === 0 && fk.length === 0,
      tables,
      notes: [
        ...unattributed.map((m) => `integrity_check: ${m}`),
        'checked with PRAGMA integrity_check and PRAGMA foreign_key_check',
      ],
    };
  } catch (err) {
    throw fromSqliteError(err, 'checking', target.database);
  } finally {
    endSnapshot(db);
  }
}

async function repair(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<MaintenanceReport> {
  throwIfAborted(options.signal);
  return withWritable(target, 'repairing', (db) => {
    const tables: MaintenanceTableResult[] = tableNames(db).map((table) => {
      db.exec(`REINDEX ${quote(table)}`);
      return { table, status: 'reindexed' };
    });
    return {
      action: 'repair',
      ok: true,
      tables,
      notes: [
        'REINDEX rebuilds indexes; damaged table pages cannot be repaired in place: restore a backup, or try "sqlite3 app.db .recover"',
      ],
    };
  });
}

/** `lifeboat db info|optimize|check|repair` for SQLite files. */
export const sqliteMaintenance: DatabaseMaintenance = { info, optimize, check, repair };
