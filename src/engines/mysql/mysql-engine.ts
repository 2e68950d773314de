import type { Engine } from '../engine.js';
import { sniffMysqlDump } from './mysql-dump-text.js';
import { createMysqlDemoDatabase } from './mysql-demo.js';
import { describeMysql, summarizeMysql } from './mysql-inspect.js';
import { mysqlMaintenance } from './mysql-maintenance.js';
import { listMysqlDatabases } from './mysql-databases.js';
import { restoreMysql } from './mysql-restorer.js';
import { cleanupMysqlScratch, createMysqlScratch } from './mysql-scratch.js';
import { openMysqlDump } from './mysql-snapshot.js';
import { parseMysqlUrl } from './mysql-url.js';

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
  openDump: openMysqlDump,
  restore: restoreMysql,
  describe: describeMysql,
  summarize: summarizeMysql,
  createScratch: createMysqlScratch,
  cleanupStaleScratch: cleanupMysqlScratch,
  sniff: sniffMysqlDump,
  maintenance: mysqlMaintenance,
  listDatabases: listMysqlDatabases,
  createDemoDatabase: (target, options) => createMysqlDemoDatabase(target, options.scale),
} as const satisfies Engine;
