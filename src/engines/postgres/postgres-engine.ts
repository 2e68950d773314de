import type { Engine } from '../engine.js';
import { cleanupPostgresScratch, createPostgresScratch } from './postgres-scratch.js';
import { describePostgres, summarizePostgres } from './postgres-inspect.js';
import { openPostgresDump, sniffPostgresDump } from './postgres-dumper.js';
import { postgresMaintenance } from './postgres-maintenance.js';
import { listPostgresDatabases } from './postgres-databases.js';
import { restorePostgres } from './postgres-restorer.js';
import { parsePostgresUrl } from './postgres-url.js';

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
  openDump: openPostgresDump,
  restore: restorePostgres,
  describe: describePostgres,
  summarize: summarizePostgres,
  createScratch: createPostgresScratch,
  cleanupStaleScratch: cleanupPostgresScratch,
  sniff: sniffPostgresDump,
  maintenance: postgresMaintenance,
  listDatabases: listPostgresDatabases,
} as const satisfies Engine;
