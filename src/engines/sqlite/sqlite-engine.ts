import type {
  ConnectionTarget,
  DumpScope,
  DumpSession,
  Engine,
  EngineCallOptions,
} from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { SqliteDumpSession, sniffSqliteDump } from './sqlite-dumper.js';
import { createSqliteDemoDatabase } from './sqlite-demo.js';
import { fromSqliteError } from './sqlite-errors.js';
import { sqliteMaintenance } from './sqlite-maintenance.js';
import { describeSqlite, summarizeSqlite } from './sqlite-inspect.js';
import { endSnapshot, openSnapshot } from './sqlite-open.js';
import { restoreSqlite } from './sqlite-restorer.js';
import { cleanupSqliteScratch, createSqliteScratch } from './sqlite-scratch.js';
import { isUtf8Database, readSchema } from './sqlite-schema.js';
import { selectTables } from './sqlite-selection.js';
import { parseSqliteUrl } from './sqlite-url.js';

/**
 * Opens a dump: one read transaction on the file, held until `close()`, from which the schema,
 * every table's rows and their checksums are read.
 */
export async function openSqliteDump(
  target: ConnectionTarget,
  scope: DumpScope,
  options: EngineCallOptions,
): Promise<DumpSession> {
  throwIfAborted(options.signal);
  const db = openSnapshot(target, 'opening for backup');
  try {
    const entries = readSchema(db);
    const selected = selectTables(db, entries, scope, `"${target.display}"`);
    return new SqliteDumpSession({
      db,
      scope,
      signal: options.signal,
      entries,
      selected,
      utf8: isUtf8Database(db),
    });
  } catch (err) {
    endSnapshot(db);
    throw fromSqliteError(err, 'reading the schema of', target.database);
  }
}

/**
 * The SQLite engine: a database is a local file, read and written in-process through
 * better-sqlite3. DDL is transactional, so a restore is one transaction on the target itself.
 */
export const sqliteEngine = {
  name: 'sqlite',
  schemes: ['sqlite'],
  capabilities: {
    transactionalDdl: true,
    swapRestore: false,
    sharedSnapshot: false,
    fileDatabase: true,
  },
  parseUrl: parseSqliteUrl,
  openDump: openSqliteDump,
  restore: restoreSqlite,
  describe: describeSqlite,
  summarize: summarizeSqlite,
  createScratch: async (_near, options) => {
    throwIfAborted(options.signal);
    return createSqliteScratch();
  },
  cleanupStaleScratch: async (_near, options) => {
    throwIfAborted(options.signal);
    return cleanupSqliteScratch();
  },
  sniff: sniffSqliteDump,
  maintenance: sqliteMaintenance,
  createDemoDatabase: async (target, options) =>
    createSqliteDemoDatabase(target.database, options.scale),
} as const satisfies Engine;
