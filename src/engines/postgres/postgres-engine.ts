import type { Engine } from '../engine.js';
import { lazyMaintenance } from '../shared/lazy-maintenance.js';
import { relDisplay, userRelName } from './postgres-names.js';
import { sniffPostgresDump } from './postgres-sniff.js';
import { parsePostgresUrl } from './postgres-url.js';

// The engine's work is imported when it is first asked for: every command resolves engines
// by name or URL, and loading all three engines' code (with pg, mysql2 and better-sqlite3) on
// each start cost ~0.3 s of CPU before any work.
const dumper = () => import('./postgres-dumper.js');
const restorer = () => import('./postgres-restorer.js');
const inspect = () => import('./postgres-inspect.js');
const scratch = () => import('./postgres-scratch.js');
const databases = () => import('./postgres-databases.js');

/**
 * The PostgreSQL engine: talks to the server over the wire protocol only (`pg`,
 * `pg-copy-streams`), so no pg_dump or psql is needed and no client/server version mismatch
 * can stop a backup. DDL is transactional, so a restore is one transaction on the target.
 */
export const postgresEngine = {
  name: 'postgres',
  schemes: ['postgres', 'postgresql'],
  capabilities: {
    transactionalDdl: true,
    swapRestore: false,
    sharedSnapshot: true,
    fileDatabase: false,
  },
  parseUrl: parsePostgresUrl,
  openDump: async (target, scope, options) =>
    (await dumper()).openPostgresDump(target, scope, options),
  restore: async (target, sql, options) => (await restorer()).restorePostgres(target, sql, options),
  describe: async (target, options) => (await inspect()).describePostgres(target, options),
  summarize: async (target, tables, options) =>
    (await inspect()).summarizePostgres(target, tables, options),
  createScratch: async (near, options) => (await scratch()).createPostgresScratch(near, options),
  cleanupStaleScratch: async (near, options) =>
    (await scratch()).cleanupPostgresScratch(near, options),
  sniff: sniffPostgresDump,
  tableDisplayName: (name) => relDisplay(userRelName(name)),
  maintenance: lazyMaintenance(
    async () => (await import('./postgres-maintenance.js')).postgresMaintenance,
  ),
  listDatabases: async (target, options) =>
    (await databases()).listPostgresDatabases(target, options),
} as const satisfies Engine;
