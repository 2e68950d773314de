import type { ConnectionTarget, RestoreOptions, RestoreResult } from '../engine.js';
import { LifeboatError, isLifeboatError } from '../../errors/index.js';
import { MysqlSession, quoteIdent } from './mysql-connect.js';
import { checksumAlgorithm } from './mysql-checksum.js';
import { databaseExists, summarizeIn } from './mysql-inspect.js';
import { loadDump } from './mysql-load.js';
import { readSequences, readTables } from './mysql-objects.js';
import { createDatabase, scratchName } from './mysql-scratch.js';
import { swapIn } from './mysql-swap.js';

/**
 * Restores a plain SQL dump (lifeboat's, mysqldump's or mariadb-dump's) into `target`
 * atomically although MySQL DDL is not transactional: the dump loads into a scratch database
 * `lifeboat_restore_<pid>_<random>` on the same server (foreign-key and unique checks off),
 * the loaded tables are measured, `beforeCommit` sees the summaries, and only then one
 * `RENAME TABLE` swaps them in (see `swapIn`). Any failure before the swap leaves the target
 * untouched; the scratch database is always dropped, and a target database created by this
 * restore is dropped again when the restore fails.
 */
export async function restoreMysql(
  target: ConnectionTarget,
  sql: AsyncIterable<Buffer>,
  options: RestoreOptions,
): Promise<RestoreResult> {
  // An artifact whose checksums this version cannot compute fails before anything is loaded.
  checksumAlgorithm(options.checksumAlgorithm);
  const admin = await MysqlSession.open(target, {
    signal: options.signal,
    database: null,
    action: 'connecting for a restore to',
  });
  const scratch = scratchName('lifeboat_restore_');
  const old = scratchName('lifeboat_old_');
  let created = false;
  let committed = false;
  let loader: MysqlSession | undefined;
  try {
    const exists = await databaseExists(admin, target.database);
    await createDatabase(admin, scratch, exists ? target.database : undefined);
    loader = await MysqlSession.open(target, {
      signal: options.signal,
      database: scratch,
      action: 'loading the dump for',
    });
    // autocommit off: the load commits every few MiB instead of after every INSERT. Binary
    // logging stays on: the swap's RENAME is logged, so a replica needs the scratch tables too.
    await loader.query('SET FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0, autocommit = 0');
    // The source's rows as they are, also those its CHECK constraints were off for (MariaDB's
    // check_constraint_checks): a dump of mariadb-dump's does not say so itself.
    if (loader.mariadb) await loader.query('SET check_constraint_checks = 0');
    const targetTables = new Set(
      exists
        ? [
            ...(await readTables(admin, target.database)).map((t) => t.name),
            ...(await readSequences(admin, target.database)),
          ]
        : [],
    );
    const loaded = await loadDump(loader, scratch, target.database, targetTables, sql, options);
    // Back to autocommit, so that measuring leaves no transaction (and no metadata locks)
    // open on the scratch tables for the swap's RENAME to wait on.
    await loader.query('SET autocommit = 1');
    const tables = await summarizeIn(loader, scratch, loaded.loaded, options);
    await options.beforeCommit?.(tables);
    if (options.signal.aborted) throw loader.mapError(options.signal.reason, 'restoring');
    if (!exists) {
      await createDatabase(admin, target.database, undefined);
      created = true;
    }
    await createDatabase(admin, old, undefined);
    try {
      await swapIn(admin, {
        target: target.database,
        scratch,
        old,
        incoming: [...loaded.loaded, ...loaded.sequences],
        replaceAll: options.tables === undefined && loaded.replacesSchema,
        replay: loaded.replay,
      });
    } catch (err) {
      throw isLifeboatError(err) ? err : swapFailure(admin, err);
    }
    committed = true;
    return { tables, statements: loaded.statements };
  } finally {
    await loader?.close();
    await cleanup(target, [scratch, old, ...(created && !committed ? [target.database] : [])]);
    await admin.close();
  }
}

function swapFailure(admin: MysqlSession, err: unknown): Error {
  const mapped = admin.mapError(err, 'swapping in the restored tables of');
  if (isLifeboatError(mapped, 'ABORTED')) return mapped;
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed while swapping the tables in: ${mapped.message}`,
    {
      hint: 'the swap was reversed and the target left as it was',
      cause: err,
    },
  );
}

/** Drops lifeboat's databases with a fresh connection: the restore's own may have been aborted. */
async function cleanup(target: ConnectionTarget, databases: readonly string[]): Promise<void> {
  const session = await MysqlSession.open(target, {
    signal: new AbortController().signal,
    database: null,
    action: 'cleaning up after a restore to',
  });
  try {
    for (const db of databases) await session.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
  } finally {
    await session.close();
  }
}
