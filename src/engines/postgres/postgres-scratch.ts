import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectionTarget, EngineCallOptions, ScratchDatabase } from '../engine.js';
import { isLifeboatError, systemCode } from '../../errors/index.js';
import { connect, connectMaintenance, rowsOf, type PgClient } from './postgres-connect.js';
import { fromPgError } from './postgres-errors.js';
import { withDatabase } from './postgres-url.js';

/** Scratch databases older than this are stale whoever made them (pids get reused). */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
const PREFIX = 'lifeboat_verify_';
const NAME = /^lifeboat_verify_(\d+)_[0-9a-f]+$/;

/**
 * Creates `lifeboat_verify_<pid>_<random>` on the server of `near`. The comment records the
 * host, so that cleanup only judges pids of this machine alive or dead.
 */
export async function createPostgresScratch(
  near: ConnectionTarget,
  options: EngineCallOptions,
): Promise<ScratchDatabase> {
  const name = `${PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`;
  await withMaintenance(near, 'creating a scratch database on', options.signal, async (c) => {
    // template0: a scratch must start empty even if template1 was customised.
    await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
    await c.query(
      `COMMENT ON DATABASE ${name} IS ${lit(`lifeboat scratch from ${hostname()} at ${new Date().toISOString()}`)}`,
    );
  });
  let dropped = false;
  return {
    target: withDatabase(near, name),
    drop: async () => {
      if (dropped) return;
      await dropDatabase(near, name, new AbortController().signal);
      dropped = true;
    },
  };
}

/** Drops scratch databases whose process on this host is gone, or that are over a day old. */
export async function cleanupPostgresScratch(
  near: ConnectionTarget,
  options: EngineCallOptions,
): Promise<number> {
  const stale = await withMaintenance(
    near,
    'cleaning up scratch databases on',
    options.signal,
    async (c) => {
      const rows = await rowsOf<{ name: string; comment: string | null }>(
        c,
        `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database
       WHERE datname LIKE 'lifeboat\\_verify\\_%'`,
      );
      return rows.filter((r) => isStale(r.name, r.comment));
    },
  );
  for (const r of stale) await dropDatabase(near, r.name, options.signal);
  return stale.length;
}

function isStale(name: string, comment: string | null): boolean {
  const match = NAME.exec(name);
  if (match === null) return false;
  const made = /from (\S+) at (\S+)$/.exec(comment ?? '');
  const at = Date.parse(made?.[2] ?? '');
  if (Number.isFinite(at) && Date.now() - at > STALE_AFTER_MS) return true;
  if (made?.[1] !== hostname()) return false; // another machine's: only age can tell
  return !processAlive(Number(match[1]));
}

/** Drops a database, disconnecting its sessions first (PostgreSQL 13+). */
export async function dropDatabase(
  near: ConnectionTarget,
  name: string,
  signal: AbortSignal,
): Promise<void> {
  await withMaintenance(near, `dropping database "${name}" on`, signal, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteDb(name)} WITH (FORCE)`);
  });
}

async function withMaintenance<T>(
  near: ConnectionTarget,
  action: string,
  signal: AbortSignal,
  fn: (c: PgClient) => Promise<T>,
): Promise<T> {
  const client = await connectMaintenance(near, action, signal);
  try {
    return await fn(client);
  } catch (err) {
    throw fromPgError(err, action, near.display, near.database);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Quotes a database name for CREATE/DROP DATABASE. */
export function quoteDb(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === 'EPERM';
  }
}

/** Connects, creating the database (outside any transaction: PostgreSQL requires it) if missing. */
export async function openTarget(
  target: ConnectionTarget,
  signal: AbortSignal,
): Promise<{ client: PgClient; created: boolean }> {
  try {
    return { client: await connect(target, 'restoring', signal), created: false };
  } catch (err) {
    if (!isLifeboatError(err, 'DB_NOT_FOUND')) throw err;
  }
  const admin = await connectMaintenance(target, 'creating the database for', signal);
  try {
    // template0, as pg_dump's documentation asks: template1 may hold objects the dump also creates.
    await admin.query(
      `CREATE DATABASE ${quoteDb(target.database)} TEMPLATE template0 ENCODING 'UTF8'`,
    );
  } catch (err) {
    throw fromPgError(err, 'creating the database for', target.display, target.database);
  } finally {
    await admin.end().catch(() => undefined);
  }
  return { client: await connect(target, 'restoring', signal), created: true };
}
