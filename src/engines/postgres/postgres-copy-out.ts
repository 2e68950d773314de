import type { Connection, Submittable } from 'pg';
import type { Duplex } from 'node:stream';
import { LifeboatError } from '../../errors/index.js';
import type { HashSum128 } from '../shared/row-hash.js';
import { copyRows } from './postgres-copy-rows.js';

/** Where a COPY's rows go (a CopyChecksum). */
export interface RowSink {
  /** Takes one row: the COPY line `data[start..end)`, without its newline. */
  addRange(data: Buffer, start: number, end: number): void;
  /**
   * When set, rows are MurmurHash3-summed into it a socket read at a time by {@link copyRows}
   * instead, and `addRange` only gets the rows a read cut in two.
   */
  readonly murmurSum?: HashSum128 | undefined;
}

// Backend message types met during COPY OUT (protocol 3, "Message Formats").
const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_OUT_RESPONSE = 0x48; // H
const NOTICE_RESPONSE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION_RESPONSE = 0x41; // A
const NEWLINE = 10;

/** What {@link CopyOutQuery.read} hands back: the COPY bytes of one socket read, or the end. */
export type CopyBytes = Buffer | null;

/**
 * `COPY … TO STDOUT` read straight off the connection's socket, as a pg `Submittable`.
 *
 * PostgreSQL sends every row as one CopyData message, so the rows are known from the message
 * framing alone: no scan for newlines, and no Buffer per row. Each socket read is parsed in
 * place: the rows go to the sink as byte ranges of the read's own buffer (for the v2
 * checksum, whole runs of rows at once through {@link copyRows}, in WebAssembly), and the
 * CopyData bodies are moved down over the 5-byte message headers, so the COPY text of a read
 * is one subarray of it. The output is the byte stream of the bodies, whatever
 * the row boundaries: a row cut by the end of a read goes on as its first bytes at the end of
 * this read's text and its last bytes at the start of the next one's. Only for its checksum
 * is such a row also collected in a buffer of its own (pg-copy-streams makes a slice per row
 * and joins them again; joining the cut row to the read cost ~0.8 s of a 1 GiB backup).
 *
 * The socket is read one chunk at a time (flowing mode, paused after every chunk: a paused
 * stream's `read()` would join all it buffered into a new Buffer), and only when {@link read}
 * is called, so a caller that waits for its consumer stops the socket, and TCP flow control
 * stops the server. When the COPY ends (or an ErrorResponse arrives) the unread bytes go back
 * to pg's own parser, which sees CommandComplete and ReadyForQuery (or the error) as for any
 * query. The row count of CommandComplete is checked against the rows seen: a server that put
 * several rows in one message would otherwise be hashed wrongly.
 */
export class CopyOutQuery implements Submittable {
  readonly #text: string;
  readonly #sink: RowSink;
  #stream: Duplex | null = null;
  #pgOnData: ((chunk: Buffer) => void) | null = null;
  #wake: (() => void) | null = null;
  readonly #woken = (): void => {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };
  /** Socket reads that arrived and are not parsed yet (at most one: each pauses the socket). */
  readonly #chunks: Buffer[] = [];
  readonly #onData = (chunk: Buffer): void => {
    this.#chunks.push(chunk);
    this.#stream?.pause();
    this.#woken();
  };
  #attached = false;
  #error: unknown = undefined;
  #ready = false;
  #serverRows: number | undefined;
  /** Rows seen so far. */
  rows = 0;

  // Parser state across reads.
  /** Up to 4 bytes of a message header cut by the end of a read. */
  #headerCarry: Buffer | null = null;
  /** Type of the message whose body continues in the next read. */
  #bodyType = 0;
  /** Bytes of that body still to come. */
  #bodyLeft = 0;
  /** A CopyData body cut by the end of a read, collected for its checksum, and its fill. */
  #row: Buffer | null = null;
  #rowFilled = 0;

  /** Whether {@link read} returns the COPY bytes; a measuring pass only needs the rows. */
  readonly #keepBytes: boolean;

  constructor(text: string, sink: RowSink, keepBytes = true) {
    this.#text = text;
    this.#sink = sink;
    this.#keepBytes = keepBytes;
  }

  /** pg calls this when the query's turn comes. */
  submit(connection: Connection): Error | undefined {
    const stream = connection.stream;
    const listeners = stream.listeners('data') as ((chunk: Buffer) => void)[];
    // pg reports a returned error through handleError and goes on with its queue.
    if (listeners.length !== 1)
      return new LifeboatError('INTERNAL', 'unexpected pg connection listeners for a COPY');
    this.#stream = stream;
    this.#pgOnData = listeners[0] as (chunk: Buffer) => void;
    stream.removeListener('data', this.#pgOnData);
    stream.pause();
    stream.on('data', this.#onData);
    stream.on('end', this.#woken);
    stream.on('close', this.#woken);
    this.#attached = true;
    connection.query(this.#text);
    return undefined;
  }

  handleError(err: unknown): void {
    this.#error ??= err;
    this.#woken();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(msg.text ?? '');
    if (match) this.#serverRows = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.#ready = true;
    this.#woken();
  }

  // Any other reply means the statement was not a COPY TO STDOUT; pg would call these.
  readonly #notCopyOut = (): void => this.handleError(notCopyOut());
  readonly handleRowDescription = this.#notCopyOut;
  readonly handleDataRow = this.#notCopyOut;
  readonly handleEmptyQuery = this.#notCopyOut;
  readonly handleCopyInResponse = this.#notCopyOut;
  readonly handleCopyData = this.#notCopyOut;
  readonly handlePortalSuspended = this.#notCopyOut;

  /**
   * The COPY bytes of the next socket read, or null once the COPY completed: the text in
   * order, rows with their newlines, the first and last possibly cut (possibly no bytes;
   * always none without `keepBytes`). Throws the server's error, if any.
   */
  async read(): Promise<CopyBytes> {
    for (;;) {
      if (this.#error !== undefined) throw this.#error;
      if (!this.#attached) {
        if (this.#ready) return this.#finish();
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) return this.#parse(chunk);
      const stream = this.#stream as Duplex;
      if (stream.destroyed || stream.readableEnded) {
        this.#error ??= new LifeboatError('DB_ERROR', 'the connection closed during a COPY', {
          hint: 'retry; if it persists, check the server log',
        });
        continue;
      }
      stream.resume();
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /**
   * Ends a COPY that its caller stopped reading (the writer failed): the connection is closed,
   * as it cannot be used until the server finished sending, and the server then stops.
   * Without this, the next query (the ROLLBACK of the caller's cleanup) would wait forever.
   */
  abandon(): void {
    if (this.#attached) this.#stream?.destroy();
  }

  #finish(): null {
    if (this.#serverRows !== undefined && this.#serverRows !== this.rows) {
      throw new LifeboatError(
        'DB_ERROR',
        `the server reported ${this.#serverRows} rows for a COPY, lifeboat counted ${this.rows} messages`,
        { hint: 'the server does not send one CopyData message per row; report this' },
      );
    }
    return null;
  }

  /** Parses one read; returns its COPY bytes. Detaches at the end of the COPY. */
  #parse(input: Buffer): Buffer {
    let chunk = input;
    if (this.#headerCarry !== null) {
      chunk = Buffer.concat([this.#headerCarry, input]);
      this.#headerCarry = null;
    }
    const keep = this.#keepBytes;
    let p = 0;
    let w = 0; // the CopyData bytes of this read are moved down to [0, w)
    if (this.#bodyLeft > 0) {
      p = this.#continueBody(chunk);
      if (keep && this.#bodyType === COPY_DATA) w = p;
    }
    const end = chunk.length;
    const bulk = this.#sink.murmurSum;
    while (p < end) {
      if (bulk !== undefined) {
        // The run of whole rows from here, at once; the loop below takes what stopped it.
        const run = copyRows(chunk, p, end, keep, w, bulk);
        this.rows += run.rows;
        p += run.consumed;
        w += run.written;
        if (run.badRow) throw noNewline();
        if (p >= end) break;
      }
      if (end - p < 5) {
        this.#headerCarry = Buffer.from(chunk.subarray(p));
        break;
      }
      const type = chunk[p] as number;
      const length = chunk.readUInt32BE(p + 1) - 4;
      if (type === COPY_DATA) {
        const s = p + 5;
        const e = Math.min(s + length, end);
        if (e - s < length) {
          this.#row = Buffer.allocUnsafe(length);
          this.#rowFilled = chunk.copy(this.#row, 0, s, e);
          this.#bodyType = type;
          this.#bodyLeft = length - this.#rowFilled;
        } else {
          this.#addRow(chunk, s, e);
        }
        if (keep) {
          if (w !== s) chunk.copyWithin(w, s, e);
          w += e - s;
        }
        p = e;
        continue;
      }
      if (
        type === COPY_OUT_RESPONSE ||
        type === NOTICE_RESPONSE ||
        type === PARAMETER_STATUS ||
        type === NOTIFICATION_RESPONSE
      ) {
        const e = p + 5 + length;
        if (e > end) {
          this.#bodyType = type;
          this.#bodyLeft = e - end;
          break;
        }
        p = e;
        continue;
      }
      // CopyDone, ErrorResponse or anything else: pg takes it from here.
      this.#detach(type === COPY_DONE ? chunk.subarray(p + 5) : chunk.subarray(p));
      break;
    }
    return w === 0 ? EMPTY : chunk.subarray(0, w);
  }

  /**
   * Continues a message body cut by the previous read; returns where this read goes on. The
   * body's bytes stay where they are, at the start of the read.
   */
  #continueBody(chunk: Buffer): number {
    const take = Math.min(this.#bodyLeft, chunk.length);
    this.#bodyLeft -= take;
    if (this.#bodyType !== COPY_DATA) return take;
    const row = this.#row as Buffer;
    this.#rowFilled += chunk.copy(row, this.#rowFilled, 0, take);
    if (this.#bodyLeft === 0) {
      this.#row = null;
      this.#addRow(row, 0, row.length);
    }
    return take;
  }

  #addRow(data: Buffer, start: number, end: number): void {
    if (end === start || data[end - 1] !== NEWLINE) throw noNewline();
    this.rows++;
    this.#sink.addRange(data, start, end - 1);
  }

  /** Gives the connection back to pg, with the bytes after the COPY data. */
  #detach(rest: Buffer): void {
    const stream = this.#stream as Duplex;
    const pgOnData = this.#pgOnData as (chunk: Buffer) => void;
    this.#attached = false;
    stream.removeListener('data', this.#onData);
    stream.removeListener('end', this.#woken);
    stream.removeListener('close', this.#woken);
    stream.on('data', pgOnData);
    if (rest.length > 0) pgOnData(rest);
    // Reads that arrived after this one (none while each read pauses the socket) follow it.
    for (let next = this.#chunks.shift(); next !== undefined; next = this.#chunks.shift())
      pgOnData(next);
    // Resumed on the next tick, as pg-copy-streams does: pg's handler may pause the stream.
    process.nextTick(() => stream.resume());
  }
}

const EMPTY = Buffer.alloc(0);

function noNewline(): LifeboatError {
  return new LifeboatError('DB_ERROR', 'the server sent a COPY row without its newline', {
    hint: 'retry the backup; if it persists, check the server log',
  });
}

function notCopyOut(): LifeboatError {
  return new LifeboatError('INTERNAL', 'a COPY TO STDOUT statement got another kind of reply');
}
