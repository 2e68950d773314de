import pg from 'pg';
import type { ConnectionTarget } from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { fromPgError } from './postgres-errors.js';
import { withDatabase } from './postgres-url.js';

/** A connected client; `pg.Client` as the rest of the engine uses it. */
export type PgClient = pg.Client;

/**
 * Every value comes back as the server's text: catalog queries must not lose int8 precision or
 * reinterpret timestamps, and data never passes through JavaScript types at all (COPY).
 * json/jsonb are parsed because catalog queries aggregate lists with json_agg, and booleans
 * because catalog flags are tested in code.
 */
const RAW_TYPES = {
  getTypeParser: (oid: number) =>
    oid === 114 || oid === 3802
      ? (v: string) => JSON.parse(v) as unknown
      : oid === 16
        ? (v: string) => v === 't'
        : (v: string) => v,
} as unknown as pg.CustomTypesConfig;

/** The database lifeboat connects to for CREATE/DROP DATABASE. */
export const MAINTENANCE_DB = 'postgres';

/**
 * Connects to `target`, mapping connection failures to DB_UNREACHABLE / DB_NOT_FOUND. An abort
 * closes the connection, which makes the server cancel whatever the session was running.
 */
export async function connect(
  target: ConnectionTarget,
  action: string,
  signal: AbortSignal,
): Promise<PgClient> {
  throwIfAborted(signal);
  const client = new pg.Client({
    connectionString: target.url,
    types: RAW_TYPES,
    application_name: 'lifeboat',
  });
  // An 'error' event on an idle client (server restart) must not crash the process; the next
  // query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw fromPgError(err, action, target.display, target.database);
  }
  const onAbort = (): void => void client.end().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  client.once('end', () => signal.removeEventListener('abort', onAbort));
  return client;
}

/** Connects to the server's maintenance database, for CREATE/DROP DATABASE. */
export function connectMaintenance(
  near: ConnectionTarget,
  action: string,
  signal: AbortSignal,
): Promise<PgClient> {
  return connect(withDatabase(near, MAINTENANCE_DB), action, signal);
}

/** Runs `fn` with a connection that is always closed afterwards. */
export async function withClient<T>(
  target: ConnectionTarget,
  action: string,
  signal: AbortSignal,
  fn: (client: PgClient) => Promise<T>,
): Promise<T> {
  const client = await connect(target, action, signal);
  try {
    return await fn(client);
  } catch (err) {
    throwIfAborted(signal);
    throw fromPgError(err, action, target.display, target.database);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `SHOW server_version` and the numeric version (150020). */
export async function serverVersion(client: PgClient): Promise<{ text: string; num: number }> {
  const { rows } = await client.query<{ v: string; n: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n",
  );
  return { text: rows[0]?.v ?? 'unknown', num: Number(rows[0]?.n ?? 0) };
}

/** Rows of a query whose parameters are all strings. */
export async function rowsOf<T>(
  client: PgClient,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const result = await client.query(sql, params as unknown[]);
  return result.rows as T[];
}
