import { isUtf8 } from 'node:buffer';
import type { SqliteDb } from './sqlite-open.js';
import { decodeStatement } from './sqlite-statement.js';

/**
 * Statement bytes per batch: enough to amortise each exec. Bigger batches were no faster and
 * raised peak RSS (1 MiB: +30 MiB), as the joined text of every batch lives until a full GC.
 */
export const BATCH_BYTES = 64 * 1024;

/** Turns a statement's failure into the error the restore throws (it knows the target). */
export type StatementFailure = (err: unknown, sql: string, statement: number) => Error;

/**
 * Runs consecutive data statements of a restore with one `exec` each ~64 KiB instead of one
 * per statement: passing each statement from JavaScript to SQLite on its own costs more than
 * SQLite's work for a small INSERT. Each batch runs under a SAVEPOINT; when it fails, the
 * batch is rolled back and replayed statement by statement, so the error names the exact
 * statement that failed and carries SQLite's own message for it.
 */
export class StatementBatch {
  readonly #db: SqliteDb;
  readonly #onError: StatementFailure;
  #parts: Buffer[] = [];
  #numbers: number[] = [];
  #bytes = 0;

  constructor(db: SqliteDb, onError: StatementFailure) {
    this.#db = db;
    this.#onError = onError;
  }

  /** Queues one complete statement (its bytes as in the dump) and its number in the dump. */
  add(bytes: Buffer, statement: number): void {
    this.#parts.push(bytes);
    this.#numbers.push(statement);
    this.#bytes += bytes.length;
    if (this.#bytes >= BATCH_BYTES) this.flush();
  }

  /** Runs what is queued; throws the `onError` of the first statement that fails. */
  flush(): void {
    if (this.#parts.length === 0) return;
    const parts = this.#parts;
    const numbers = this.#numbers;
    this.#parts = [];
    this.#numbers = [];
    this.#bytes = 0;
    const joined = Buffer.concat(parts);
    // Decoding per statement gives the same text; doing it once is cheaper in the usual case.
    const sql =
      isUtf8(joined) && !joined.includes(0)
        ? joined.toString('utf8')
        : parts.map(decodeStatement).join('');
    this.#db.exec('SAVEPOINT lifeboat_batch');
    try {
      this.#db.exec(sql);
    } catch (err) {
      this.#db.exec('ROLLBACK TO lifeboat_batch');
      this.#db.exec('RELEASE lifeboat_batch');
      this.#replay(parts, numbers, err);
    }
    this.#db.exec('RELEASE lifeboat_batch');
  }

  #replay(parts: readonly Buffer[], numbers: readonly number[], batchError: unknown): never {
    let sql = '';
    for (const [i, part] of parts.entries()) {
      sql = decodeStatement(part);
      try {
        this.#db.exec(sql);
      } catch (err) {
        throw this.#onError(err, sql, numbers[i] ?? 0);
      }
    }
    // Every statement succeeded alone: report the batch's own error at its last statement.
    throw this.#onError(batchError, sql, numbers.at(-1) ?? 0);
  }
}
