import { once } from 'node:events';
import copyStreams from 'pg-copy-streams';
import type { PgClient } from './postgres-connect.js';
import type { CopyLines } from './postgres-copy-lines.js';
import { copyFailure, failure } from './postgres-restore-errors.js';
import { freezableTable } from './postgres-restore-freeze.js';
import { PLAIN_COPY_FROM_STDIN } from './postgres-splitter.js';

/**
 * Rows a COPY must bring before they are loaded frozen. Freezing costs four statements (a
 * catalog check, BEGIN, TRUNCATE, COMMIT) and saves a later rewrite of the table's pages; for a
 * table of a few pages the statements cost more, and a database of thousands of small tables
 * restored ~20% slower than psql did. Until this much has come the rows are held back.
 */
export const FREEZE_MIN_BYTES = 1024 * 1024;

/** Runs one statement of the restore, mapping its failure to RESTORE_FAILED at `line`. */
export type RunStatement = (text: string, line: number, statement: number) => Promise<void>;

/** The rows of a COPY held back while it is not yet known whether to load them frozen. */
interface Held {
  readonly kind: 'held';
  readonly parts: Buffer[];
  size: number;
}

/** A COPY the server is taking rows for. */
interface Streaming {
  readonly kind: 'streaming';
  readonly stream: ReturnType<typeof copyStreams.from>;
  /** Settles when the server took the rows, or with the COPY's failure. */
  readonly done: Promise<void>;
  /** Loaded `WITH (FREEZE)` in a transaction of its own, committed at the end. */
  readonly frozen: boolean;
}

/**
 * One `COPY … FROM stdin` block of a dump sent to the server with backpressure. Where the
 * restore may load frozen (`mayFreeze`: the autocommit load of a database nobody else sees,
 * outside a transaction of the dump's own) and the COPY has no options of its own, its rows are
 * held back until {@link FREEZE_MIN_BYTES} have come: a bigger block into a table
 * {@link freezableTable} accepts then runs as `BEGIN; TRUNCATE ONLY t; COPY … WITH (FREEZE)`
 * and commits at its end, a smaller one is sent as it is.
 */
export class CopyIn {
  readonly #client: PgClient;
  readonly #run: RunStatement;
  readonly #text: string;
  readonly #line: number;
  readonly #statement: number;
  /** Where its rows are hashed as they are sent (see `EarlyMeasure.copyLines`). */
  readonly #lines: CopyLines | undefined;
  #state: Held | Streaming;

  constructor(
    client: PgClient,
    run: RunStatement,
    copy: { text: string; line: number; statement: number; lines: CopyLines | undefined },
    mayFreeze: boolean,
  ) {
    this.#client = client;
    this.#run = run;
    this.#text = copy.text;
    this.#line = copy.line;
    this.#statement = copy.statement;
    this.#lines = copy.lines;
    this.#state =
      mayFreeze && PLAIN_COPY_FROM_STDIN.test(copy.text)
        ? { kind: 'held', parts: [], size: 0 }
        : this.#open(false);
  }

  /** Takes the next bytes of the rows; resolves when more may come. */
  async write(data: Buffer): Promise<void> {
    this.#lines?.push(data);
    const state = this.#state;
    if (state.kind === 'held') {
      state.parts.push(data);
      state.size += data.length;
      if (state.size >= FREEZE_MIN_BYTES) await this.#release(state, true);
      return;
    }
    if (!state.stream.write(data)) await Promise.race([once(state.stream, 'drain'), state.done]);
  }

  /** Ends the rows; resolves with the server's row count once they are in (and committed). */
  async end(): Promise<number> {
    const state =
      this.#state.kind === 'held' ? await this.#release(this.#state, false) : this.#state;
    state.stream.end();
    await state.done;
    if (state.frozen) await this.#run('COMMIT', this.#line, this.#statement);
    return state.stream.rowCount;
  }

  /** Starts the held COPY, frozen if `big` and the table allows, with its rows so far. */
  async #release(held: Held, big: boolean): Promise<Streaming> {
    const state = this.#open(big && (await this.#freeze()));
    this.#state = state;
    let ready = true;
    for (const part of held.parts) ready = state.stream.write(part);
    if (!ready) await Promise.race([once(state.stream, 'drain'), state.done]);
    return state;
  }

  #open(frozen: boolean): Streaming {
    const sql = frozen ? `${this.#text.replace(/\s*;?\s*$/, '')} WITH (FREEZE)` : this.#text;
    const stream = this.#client.query(copyStreams.from(sql));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', (err) => reject(copyFailure(this.#statement, this.#line, err)));
    });
    done.catch(() => undefined); // observed at the next write or at the end of the block
    return { kind: 'streaming', stream, done, frozen };
  }

  /** If the table may load frozen, opens the COPY's transaction and empties the table there. */
  async #freeze(): Promise<boolean> {
    const name = await freezableTable(this.#client, this.#text).catch((err: unknown) => {
      throw failure(`at statement ${this.#statement}`, err, this.#line, this.#text);
    });
    if (name === undefined) return false;
    await this.#run('BEGIN', this.#line, this.#statement);
    await this.#run(`TRUNCATE ONLY ${name}`, this.#line, this.#statement);
    return true;
  }
}
