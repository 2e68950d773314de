import { createConnection, format, type Connection, type QueryOptions } from 'mysql2';
import type { Readable } from 'node:stream';
import type { ConnectionTarget } from '../engine.js';
import { LifeboatError, abortedError } from '../../errors/index.js';
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
  /**
   * The server's `max_allowed_packet` when the session opened: the largest statement it
   * takes. A longer one makes the server close the connection, which the client sees as a
   * reset, not as an error it could explain.
   */
  maxAllowedPacket = Number.POSITIVE_INFINITY;
  readonly #signal: AbortSignal;
  readonly #onAbort = (): void => this.conn.destroy();

  private constructor(conn: Connection, target: ConnectionTarget, signal: AbortSignal) {
    this.conn = conn;
    this.target = target;
    this.#signal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
    this.#latin1Wire();
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
      // mysql2 scans every query for `?` placeholders, even without values: ~3 s of a
      // restore's 1 MiB INSERTs. Only metadata queries with values need formatting.
      queryFormat: (sql: string, values: unknown): string =>
        Array.isArray(values) && values.length > 0
          ? format(sql, values as never[], false, 'local')
          : sql,
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
      const [row] = await session.query('SELECT VERSION() AS v, @@max_allowed_packet AS p');
      session.serverVersion = String(row?.v ?? '');
      if (Number(row?.p) > 0) session.maxAllowedPacket = Number(row?.p);
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
    return this.conn.query({ sql: wire, rowsAsArray: true, typeCast: false }).stream({
      highWaterMark: 256,
    });
  }

  /**
   * Runs a SELECT and hands each row to `onRow` as the bytes of its text-protocol packet
   * (`buf[start, end)`: per column a length-encoded string, or 0xFB for NULL), synchronously
   * as the packet arrives: no Buffer per value, no stream and no promise per row, which were
   * a third of a dump's main-thread time. The bytes are valid only during the call. When
   * `onRow` returns a promise (its output is full), the socket pauses until the promise
   * settles. Resolves after the last row; rejects with the query's error, `onRow`'s error,
   * or ABORTED.
   */
  eachRaw(
    sql: string,
    onRow: (buf: Buffer, start: number, end: number) => Promise<void> | undefined,
  ): Promise<void> {
    const wire = /^\p{ASCII}*$/u.test(sql) ? sql : Buffer.from(sql, 'utf8').toString('latin1');
    const conn = this.conn;
    const signal = this.#signal;
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else {
          // The rest of the rows are read and dropped (as a destroyed stream does), so the
          // connection stays usable; an abort has destroyed the socket already.
          conn.resume();
          reject(signal.aborted ? abortedError(signal.reason) : err);
        }
      };
      const onAbort = (): void => finish(abortedError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      const query = conn.query({ sql: wire, rowsAsArray: true, typeCast: false });
      // mysql2 parses each row packet with the `_rowParser` it builds once the columns are
      // known; this one hands the packet itself on instead of an array of Buffers.
      Object.defineProperty(query, '_rowParser', {
        get: () => PACKET_AS_ROW,
        set: () => undefined,
        configurable: true,
      });
      query.on('result', (row: unknown) => {
        if (done) return;
        let wait: Promise<void> | undefined;
        try {
          const packet = row as RowPacket;
          // A mysql2 that no longer builds rows through `_rowParser` hands arrays here:
          // stop loudly rather than misread them.
          if (!Buffer.isBuffer(packet.buffer)) throw rowParserChanged();
          wait = onRow(packet.buffer, packet.offset, packet.end);
        } catch (err) {
          finish(err);
          return;
        }
        if (wait === undefined) return;
        conn.pause();
        wait.then(
          () => {
            if (!done) conn.resume();
          },
          (err: unknown) => finish(err),
        );
      });
      query.on('error', (err: unknown) => finish(err));
      query.on('end', () => finish());
    });
  }

  /**
   * mysql2 follows the server's session-state tracking: after `SET NAMES utf8mb4` it switches
   * its own query encoding to UTF-8, which would encode the latin1 strings again. The number
   * is pinned for the connection's life, so it holds for queries that mysql2 queues and sends
   * later too (the restore keeps several statements in flight).
   */
  #latin1Wire(): void {
    const config = (this.conn as unknown as { config: object }).config;
    Object.defineProperty(config, 'charsetNumber', {
      get: () => LATIN1,
      set: () => undefined,
      configurable: true,
    });
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

/** What mysql2 hands a row parser: the packet, its payload at `buffer[offset, end)`. */
interface RowPacket {
  readonly buffer: Buffer;
  readonly offset: number;
  readonly end: number;
}

/** A mysql2 row parser whose "row" is the packet (see `eachRaw`). */
const PACKET_AS_ROW = { next: (packet: RowPacket): RowPacket => packet };

function rowParserChanged(): LifeboatError {
  return new LifeboatError(
    'INTERNAL',
    'this mysql2 version does not hand raw row packets to lifeboat',
    { hint: "install the mysql2 version in lifeboat's package-lock.json (npm ci)" },
  );
}

/** `` `name` `` with backquotes doubled, as MySQL quotes identifiers. */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
