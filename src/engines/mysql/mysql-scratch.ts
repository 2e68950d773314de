import { randomBytes } from 'node:crypto';
import type { ConnectionTarget, EngineCallOptions, ScratchDatabase } from '../engine.js';
import { quoteIdent, type MysqlSession } from './mysql-connect.js';
import { withServer } from './mysql-inspect.js';
import { databaseClause, readDatabaseDefaults } from './mysql-objects.js';
import { withDatabase } from './mysql-url.js';

/** Prefixes of the databases lifeboat creates for itself; stale ones are dropped by these. */
export const SCRATCH_PREFIXES = ['lifeboat_verify_', 'lifeboat_restore_', 'lifeboat_old_'] as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** `<prefix><pid>_<random>`: the pid tells a later run whether the owner is still alive. */
export function scratchName(prefix: (typeof SCRATCH_PREFIXES)[number]): string {
  return `${prefix}${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Creates a database with the character set and collation of `like` (when it exists). */
export async function createDatabase(
  session: MysqlSession,
  name: string,
  like: string | undefined,
): Promise<void> {
  const defaults = like === undefined ? undefined : await readDatabaseDefaults(session, like);
  // Character set and collation only: a comment says what the source is, not the copy.
  const charset =
    defaults === undefined ? '' : ` ${databaseClause({ ...defaults, comment: null })}`;
  await session.query(`CREATE DATABASE ${quoteIdent(name)}${charset}`);
}

/** A `lifeboat_verify_<pid>_<random>` database on the server of `near`. */
export async function createMysqlScratch(
  near: ConnectionTarget,
  options: EngineCallOptions,
): Promise<ScratchDatabase> {
  const name = scratchName('lifeboat_verify_');
  await withServer(near, options, 'creating a scratch database on', (s) =>
    createDatabase(s, name, near.database),
  );
  const target = withDatabase(near, name);
  let dropped = false;
  return {
    target,
    drop: async () => {
      if (dropped) return;
      // Dropping must work after an abort too, so it does not use the caller's signal.
      await withServer(target, { signal: new AbortController().signal }, 'dropping', (s) =>
        s.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`),
      );
      dropped = true;
    },
  };
}

/**
 * Drops lifeboat's databases left by crashed runs: those whose owner pid no longer runs on
 * this machine and whose tables are older than a day (the day protects a run on another
 * machine that shares the server and happens to have a pid that is free here).
 */
export async function cleanupMysqlScratch(
  near: ConnectionTarget,
  options: EngineCallOptions,
): Promise<number> {
  return withServer(near, options, 'cleaning scratch databases on', async (session) => {
    const rows = await session.query(
      `SELECT s.SCHEMA_NAME AS name, MIN(t.CREATE_TIME) AS created
         FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
        WHERE s.SCHEMA_NAME LIKE 'lifeboat\\_%' GROUP BY s.SCHEMA_NAME`,
    );
    let removed = 0;
    for (const row of rows) {
      const name = String(row.name);
      const prefix = SCRATCH_PREFIXES.find((p) => name.startsWith(p));
      const pid = Number(/^(\d+)_/.exec(name.slice(prefix?.length ?? 0))?.[1] ?? NaN);
      if (prefix === undefined || !Number.isInteger(pid) || isAlive(pid)) continue;
      const created = row.created === null ? 0 : Date.parse(`${String(row.created)}Z`);
      if (Date.now() - created < DAY_MS) continue;
      await session.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      removed++;
    }
    return removed;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
