import { createConnection, type Connection, type QueryOptions } from 'mysql2';
import type { Readable } from 'node:stream';
import type { ConnectionTarget } from '../engine.js';
import { abortedError } from '../../errors/index.js';
import { fromMysqlError } from './mysql-errors.js';
import { mysqlAddress } from './mysql-url.js';

/** MySQL's id of latin1_swedish_ci: one byte per char on the wire. */
const LATIN1 = 8;

/** A row as metadata queries return it: column name to value. */
export type MetaRow = Record<string, unknown>;

/** Options of {@link MysqlSession.open}. */
export interface OpenOptions {
  readonly signal: AbortSignal;
  /** Database to select; `null` connects without one (to create or drop databases). */
  readonly database?: string | null;
  /** What the session is for, for error messages (`reading the schema of`). */
  readonly action: string;
}

/**
 * One mysql2 connection with its session pinned: utf8mb4 both ways (binary-safe for every
 * character), UTC for TIMESTAMP values, long network timeouts because a paused reader (the
 * pipeline applying backpressure) must not be cut off by the server. An abort destroys the
 * socket, so a query in flight fails at once.
 */
export class MysqlSession {
  readonly conn: Connection;
  readonly target: ConnectionTarget;
  /** `10.11.19-MariaDB-0+deb12u1`. */
  serverVersion = '';
  /** True on MariaDB, whose syntax differs in places from MySQL's. */
  mariadb = false;
  readonly #signal: AbortSignal;
  readonly #onAbort = (): void => this.conn.destroy();

  private constructor(conn: Connection, target: ConnectionTarget, signal: AbortSignal) {
    this.conn = conn;
    this.target = target;
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Connects and pins the session; fails with DB_UNREACHABLE / DB_NOT_FOUND. */
  static async open(target: ConnectionTarget, options: OpenOptions): Promise<MysqlSession> {
    if (options.signal.aborted) throw abortedError(options.signal.reason);
    const address = mysqlAddress(target.url);
    const database = options.database === undefined ? address.database : options.database;
    const conn = createConnection({
      host: address.host,
      port: address.port,
      user: address.user,
      ...(address.password === undefined ? {} : { password: address.password }),
      ...(database === null ? {} : { database }),
      // Queries go over the wire as latin1 (one byte per char) so a dump's bytes are sent
      // exactly as read, binary string literals included; `SET NAMES utf8mb4` below tells
      // the server how to read them. See `query` / `queryRaw`.
      charset: 'latin1_swedish_ci',
      connectTimeout: 10_000,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    // mysql2 emits 'error' for fatal errors outside a query; a listener keeps them from crashing.
    conn.on('error', () => undefined);
    const session = new MysqlSession(conn, target, options.signal);
    try {
      await new Promise<void>((resolve, reject) =>
        conn.connect((err) => (err ? reject(err) : resolve())),
      );
      await session.query(
        "SET NAMES utf8mb4, time_zone = '+00:00', SESSION net_read_timeout = 3600, SESSION net_write_timeout = 3600, SESSION sql_quote_show_create = 1",
      );
      const [row] = await session.query('SELECT VERSION() AS v');
      session.serverVersion = String(row?.v ?? '');
      session.mariadb = /mariadb/i.test(session.serverVersion);
      return session;
    } catch (err) {
      // A failed handshake leaves nothing to end politely; waiting for `end` would stall.
      options.signal.removeEventListener('abort', session.#onAbort);
      conn.destroy();
      throw session.mapError(err, options.action);
    }
  }

  /** Runs one statement (`?` placeholders filled client-side); rows as objects, numbers and dates as strings. */
  query(sql: string, values?: readonly unknown[]): Promise<MetaRow[]> {
    const text = values ? this.conn.format(sql, [...values]) : sql;
    return this.queryRaw(
      /^\p{ASCII}*$/u.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1'),
    );
  }

  /** Runs a statement given as bytes in a latin1 string (as `MysqlSplitter` yields them), sent unchanged. */
  queryRaw(bytes: string): Promise<MetaRow[]> {
    this.#latin1Wire();
    return new Promise((resolve, reject) => {
      this.conn.query({ sql: bytes } as QueryOptions, (err, rows) => {
        if (err) reject(this.#signal.aborted ? abortedError(this.#signal.reason) : err);
        else resolve(Array.isArray(rows) ? (rows as MetaRow[]) : []);
      });
    });
  }

  /**
   * Streams the rows of a SELECT as arrays of raw Buffers (null for NULL): the bytes the
   * server sent, untouched, so values are exact and hashing them is cheap. The stream pauses
   * the socket when its buffer is full, which is what keeps memory flat.
   */
  streamRaw(sql: string): Readable {
    const wire = /^\p{ASCII}*$/u.test(sql) ? sql : Buffer.from(sql, 'utf8').toString('latin1');
    this.#latin1Wire();
    return this.conn.query({ sql: wire, rowsAsArray: true, typeCast: false }).stream({
      highWaterMark: 256,
    });
  }

  /**
   * mysql2 follows the server's session-state tracking: after `SET NAMES utf8mb4` it switches
   * its own query encoding to UTF-8, which would encode the latin1 strings again. Each query
   * is sent alone (callers await it), so pinning the number right before sending is enough.
   */
  #latin1Wire(): void {
    (this.conn as unknown as { config: { charsetNumber: number } }).config.charsetNumber = LATIN1;
  }

  /** Maps an error of this session, or ABORTED when the signal ended it. */
  mapError(err: unknown, action: string): Error {
    if (this.#signal.aborted) return abortedError(this.#signal.reason);
    return fromMysqlError(err, action, this.target);
  }

  /** Closes politely, or destroys the socket if the server does not answer. */
  async close(): Promise<void> {
    this.#signal.removeEventListener('abort', this.#onAbort);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.conn.destroy();
        resolve();
      }, 2000);
      this.conn.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** `` `name` `` with backquotes doubled, as MySQL quotes identifiers. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
