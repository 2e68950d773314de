import type { Engine } from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { lazyMaintenance } from '../shared/lazy-maintenance.js';
import { sniffSqliteDump } from './sqlite-sniff.js';
import { parseSqliteUrl } from './sqlite-url.js';

// The engine's work is imported when it is first asked for; see postgres-engine.ts.
const inspect = () => import('./sqlite-inspect.js');
const scratch = () => import('./sqlite-scratch.js');

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
  openDump: async (target, scope, options) =>
    (await import('./sqlite-dumper.js')).openSqliteDump(target, scope, options),
  restore: async (target, sql, options) =>
    (await import('./sqlite-restorer.js')).restoreSqlite(target, sql, options),
  describe: async (target, options) => (await inspect()).describeSqlite(target, options),
  summarize: async (target, tables, options) =>
    (await inspect()).summarizeSqlite(target, tables, options),
  createScratch: async (_near, options) => {
    throwIfAborted(options.signal);
    return (await scratch()).createSqliteScratch();
  },
  cleanupStaleScratch: async (_near, options) => {
    throwIfAborted(options.signal);
    return (await scratch()).cleanupSqliteScratch();
  },
  sniff: sniffSqliteDump,
  maintenance: lazyMaintenance(
    async () => (await import('./sqlite-maintenance.js')).sqliteMaintenance,
  ),
  createDemoDatabase: async (target, options) =>
    (await import('./sqlite-demo.js')).createSqliteDemoDatabase(target.database, options.scale),
} as const satisfies Engine;
