import type { Engine } from '../engine.js';
import { lazyMaintenance } from '../shared/lazy-maintenance.js';
import { sniffMysqlDump } from './mysql-sniff.js';
import { parseMysqlUrl } from './mysql-url.js';

// The engine's work (and mysql2) is imported when it is first asked for; see postgres-engine.ts.
const snapshot = () => import('./mysql-snapshot.js');
const restorer = () => import('./mysql-restorer.js');
const inspect = () => import('./mysql-inspect.js');
const scratch = () => import('./mysql-scratch.js');

/**
 * The MySQL/MariaDB engine, over the wire protocol with mysql2 (no client binaries). Dumps
 * read one consistent snapshot; DDL is not transactional, so restores load into a scratch
 * database on the same server and swap the tables in with one atomic `RENAME TABLE`.
 * Tested against MariaDB 10.11; MySQL-only syntax is chosen by the server version read at
 * connect time (see docs/mysql.md).
 */
export const mysqlEngine = {
  name: 'mysql',
  schemes: ['mysql', 'mariadb'],
  capabilities: {
    transactionalDdl: false,
    swapRestore: true,
    sharedSnapshot: false,
    fileDatabase: false,
  },
  parseUrl: (url: string, _baseDir: string) => parseMysqlUrl(url),
  openDump: async (target, scope, options) =>
    (await snapshot()).openMysqlDump(target, scope, options),
  restore: async (target, sql, options) => (await restorer()).restoreMysql(target, sql, options),
  describe: async (target, options) => (await inspect()).describeMysql(target, options),
  summarize: async (target, tables, options) =>
    (await inspect()).summarizeMysql(target, tables, options),
  createScratch: async (near, options) => (await scratch()).createMysqlScratch(near, options),
  cleanupStaleScratch: async (near, options) =>
    (await scratch()).cleanupMysqlScratch(near, options),
  sniff: sniffMysqlDump,
  maintenance: lazyMaintenance(
    async () => (await import('./mysql-maintenance.js')).mysqlMaintenance,
  ),
  listDatabases: async (target, options) =>
    (await import('./mysql-databases.js')).listMysqlDatabases(target, options),
  createDemoDatabase: async (target, options) =>
    (await import('./mysql-demo.js')).createMysqlDemoDatabase(target, options.scale),
} as const satisfies Engine;
