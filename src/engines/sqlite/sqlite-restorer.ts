import type { ConnectionTarget, RestoreOptions, RestoreResult, TableSummary } from '../engine.js';
import { LifeboatError, isLifeboatError, messageOf } from '../../errors/index.js';
import { assertKnownAlgorithm } from './sqlite-checksum.js';
import { fromSqliteError, lower } from './sqlite-errors.js';
import { StatementBatch } from './sqlite-batch.js';
import { dropExisting } from './sqlite-restore-drop.js';
import { aborted, failure, tableNotInArtifact } from './sqlite-restore-errors.js';
import type { SqliteDb } from './sqlite-open.js';
import { measureTable } from './sqlite-rows.js';
import { MeasureMeter } from '../shared/measure-meter.js';
import { dataTables, isInternal, isUtf8Database, readSchema, tableShape } from './sqlite-schema.js';
import { nameKey } from './sqlite-selection.js';
import { SqlSplitter } from './sqlite-splitter.js';
import { StatementClassifier } from './sqlite-classifier.js';
import { decodeStatement, type StatementKind } from './sqlite-statement.js';
import { openTarget, removeDatabaseFiles } from './sqlite-target-db.js';
import { FileSettings } from './sqlite-file-settings.js';

const PROGRESS_EVERY = 1000;

/**
 * Restores a plain SQL dump (lifeboat's or `sqlite3 .dump`'s) into `target` atomically: one
 * `BEGIN IMMEDIATE` transaction around everything, foreign keys off (SQLite cannot change
 * that inside a transaction) and CHECK constraints ignored (rows the source kept under
 * `ignore_check_constraints` would stop the load), the dump's own BEGIN/COMMIT skipped. Any failure — bad SQL, a
 * truncated dump, an abort, `beforeCommit` throwing — rolls back, so the target is exactly as
 * before, and a target file created by this restore is removed again. The file settings a
 * whole-database dump carries (page size, auto-vacuum, encoding, WAL) are applied around that
 * transaction ({@link FileSettings}).
 */
export async function restoreSqlite(
  target: ConnectionTarget,
  sql: AsyncIterable<Buffer>,
  options: RestoreOptions,
): Promise<RestoreResult> {
  if (options.signal.aborted) throw aborted(target, 0, options.signal);
  assertKnownAlgorithm(options.checksumAlgorithm);
  const { db, created } = openTarget(target);
  const foreignKeys = Boolean(db.pragma('foreign_keys', { simple: true }));
  const ignoreChecks = Boolean(db.pragma('ignore_check_constraints', { simple: true }));
  let committed = false;
  try {
    db.pragma('foreign_keys = OFF');
    // The source's rows as they are, also those its CHECK constraints were ignored for.
    db.pragma('ignore_check_constraints = ON');
    try {
      const run = new RestoreRun(db, target, options);
      await run.execute(sql);
      const tables = await run.summaries();
      await options.beforeCommit?.(tables);
      try {
        db.exec('COMMIT');
      } catch (err) {
        throw failure(target, 'at commit', err);
      }
      committed = true;
      return { tables, statements: run.statements, warnings: run.settle() };
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } finally {
    if (db.open) {
      db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
      db.pragma(`ignore_check_constraints = ${ignoreChecks ? 'ON' : 'OFF'}`);
      db.close();
    }
    if (created && !committed) removeDatabaseFiles(target.database);
  }
}

/** The state of one restore: which statements run, which tables they touched. */
class RestoreRun {
  statements = 0;
  readonly #db: SqliteDb;
  readonly #target: ConnectionTarget;
  readonly #options: RestoreOptions;
  readonly #requested: Set<string> | undefined;
  readonly #included = new Set<string>(); // name keys whose statements run (selective restore)
  readonly #virtuals = new Set<string>(); // selected virtual tables, whose shadow tables follow them
  readonly #artifactTables = new Map<string, string>();
  readonly #touched = new Map<string, string>();
  #mode: 'replace' | 'data' | undefined;
  #bytes = 0;
  #table: string | undefined;
  #began = false;
  #ended = false;
  #transactionBegun = false;
  readonly #classifier = new StatementClassifier();
  readonly #batch: StatementBatch;
  #lastTable = '';
  #lastKey = '';
  readonly #settings = new FileSettings();

  constructor(db: SqliteDb, target: ConnectionTarget, options: RestoreOptions) {
    this.#db = db;
    this.#target = target;
    this.#options = options;
    this.#requested =
      options.tables === undefined ? undefined : new Set(options.tables.map(nameKey));
    for (const key of this.#requested ?? []) this.#included.add(key);
    this.#batch = new StatementBatch(db, (err, sql, statement) => this.#fail(err, sql, statement));
  }

  async execute(sql: AsyncIterable<Buffer>): Promise<void> {
    const splitter = new SqlSplitter();
    try {
      for await (const chunk of sql) {
        this.#bytes += chunk.length;
        for (const statement of splitter.push(chunk)) this.#run(statement);
        this.#progress(true);
      }
      this.#batch.flush();
    } catch (err) {
      if (isLifeboatError(err)) throw err;
      throw new LifeboatError(
        'RESTORE_FAILED',
        `restore failed reading the dump: ${lower(messageOf(err))}`,
        {
          hint: 'the target was left as it was; check the artifact with "lifeboat verify"',
          cause: err,
        },
      );
    }
    const rest = splitter.end();
    if (rest !== null) throw this.#truncated('it ends in the middle of a statement');
    this.#begin();
    if (this.#began && !this.#ended) throw this.#truncated('it ends before its COMMIT');
    if (this.#mode === undefined) this.#decideMode({ kind: 'other' });
    const missing = [...(this.#requested ?? [])].filter((key) => !this.#artifactTables.has(key));
    if (missing.length > 0)
      throw tableNotInArtifact(this.#options, missing[0], [...this.#artifactTables.values()]);
    this.#progress(true);
  }

  /** Summaries of the tables this restore created or filled, in the target's schema order. */
  async summaries(): Promise<TableSummary[]> {
    const utf8 = isUtf8Database(this.#db);
    const touched = dataTables(readSchema(this.#db)).filter((e) =>
      this.#touched.has(nameKey(e.name)),
    );
    const meter = new MeasureMeter(this.#options.onMeasure, touched.length);
    const { signal } = this.#options;
    const check = (): void => {
      if (signal.aborted) throw aborted(this.#target, this.statements, signal);
    };
    const out: TableSummary[] = [];
    for (const e of touched)
      out.push(await measureTable(this.#db, tableShape(this.#db, e.name), utf8, meter, check));
    return out;
  }

  #run(bytes: Buffer): void {
    this.statements++;
    if (this.#options.signal.aborted)
      throw aborted(this.#target, this.statements, this.#options.signal);
    let sql: string | undefined;
    const decode = (): string => (sql ??= decodeStatement(bytes));
    const kind = this.#classifier.classify(bytes, decode);
    if (kind.kind === 'file-setting') {
      // Settings of the whole file: a restore of chosen tables leaves the target's alone.
      if (this.#requested === undefined) this.#settings.record(kind.name, kind.value);
      return;
    }
    if (kind.kind === 'foreign-keys' || kind.kind === 'check-constraints') return;
    this.#begin();
    if (kind.kind === 'transaction') {
      if (kind.ends) this.#ended = true;
      else this.#began = true;
      return;
    }
    if (kind.kind === 'rollback') {
      throw this.#fail(
        new Error('the dump ends with ROLLBACK: the tool that wrote it hit errors'),
        decode(),
        this.statements,
      );
    }
    // SQLite creates its own tables (sqlite_sequence, ...) itself and refuses CREATE for them.
    if (kind.kind === 'create-table' && !kind.virtual && isInternal(kind.table)) return;
    if (this.#mode === undefined) this.#decideMode(kind);
    if (!this.#wanted(kind)) return;
    if (kind.kind === 'data') {
      this.#batch.add(bytes, this.statements);
    } else {
      // Anything else may depend on the rows queued so far (an index, a trigger): run them first.
      this.#batch.flush();
      try {
        if (kind.kind === 'analyze-schema') {
          createStatTables(this.#db);
          return;
        }
        if (kind.kind === 'sequence' && this.#requested !== undefined) {
          // A selective restore keeps other tables' sequence rows, so replace just this one.
          this.#db.prepare('DELETE FROM sqlite_sequence WHERE name = ?').run(kind.table);
        }
        this.#db.exec(decode());
      } catch (err) {
        throw this.#fail(err, decode(), this.statements);
      }
    }
    if (kind.kind === 'data' || (kind.kind === 'create-table' && !kind.virtual)) {
      if (!isInternal(kind.table)) this.#touched.set(this.#key(kind.table), kind.table);
    }
    if (kind.kind === 'data' && this.#table !== kind.table) {
      this.#table = kind.table;
      this.#progress(true);
    } else if (this.statements % PROGRESS_EVERY === 0) this.#progress(true);
  }

  /**
   * The restore's one transaction, begun at the first statement that is not a file setting:
   * those a whole-database dump starts with must reach an empty file before `BEGIN IMMEDIATE`
   * writes its first page.
   */
  #begin(): void {
    if (this.#transactionBegun) return;
    this.#transactionBegun = true;
    try {
      this.#settings.applyToEmptyFile(this.#db);
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw fromSqliteError(err, 'starting the restore of', this.#target.database);
    }
  }

  /** After the commit: what the file settings still need (see {@link FileSettings.settle}). */
  settle(): string[] {
    return this.#settings.settle(this.#db);
  }

  /**
   * Decides, at the first statement that runs, what the restore replaces. A dump that starts
   * with schema (or is empty) replaces the target's objects — all of them, or the requested
   * tables; a data-only dump (starts with INSERT/DELETE) fills the existing schema instead.
   */
  #decideMode(kind: StatementKind): void {
    const data = kind.kind === 'data' || kind.kind === 'sequence' || kind.kind === 'sequence-reset';
    this.#mode = data ? 'data' : 'replace';
    if (this.#mode === 'replace') dropExisting(this.#db, this.#target, this.#requested);
  }

  /** nameKey with a one-entry memo: consecutive statements nearly always name the same table. */
  #key(table: string): string {
    if (table !== this.#lastTable) {
      this.#lastTable = table;
      this.#lastKey = nameKey(table);
    }
    return this.#lastKey;
  }

  /** Which statements a selective restore runs: the requested tables' and nothing else. */
  #wanted(kind: StatementKind): boolean {
    if (kind.kind === 'create-table' || kind.kind === 'data') {
      const key = this.#key(kind.table);
      if (!this.#artifactTables.has(key)) this.#artifactTables.set(key, kind.table);
      if (this.#requested === undefined) return true;
      if (
        kind.kind === 'create-table' &&
        !kind.virtual &&
        [...this.#virtuals].some((v) => key.startsWith(`${v}_`))
      ) {
        this.#included.add(key);
      }
      if (kind.kind === 'create-table' && kind.virtual && this.#included.has(key))
        this.#virtuals.add(key);
      return this.#included.has(key);
    }
    if (this.#requested === undefined) return true;
    switch (kind.kind) {
      case 'writable-schema':
        return true;
      case 'create-object':
        return kind.table !== null && this.#included.has(nameKey(kind.table));
      case 'analyze-schema':
        return true;
      case 'sequence':
      case 'stat':
        return kind.table !== null && this.#included.has(nameKey(kind.table));
      default:
        return false;
    }
  }

  #progress(force: boolean): void {
    if (!force || this.#options.onProgress === undefined) return;
    this.#options.onProgress({
      statements: this.statements,
      bytes: this.#bytes,
      table: this.#table,
    });
  }

  #fail(err: unknown, sql: string, statement: number): LifeboatError {
    const excerpt = sql.trim().replace(/\s+/g, ' ').slice(0, 80);
    return failure(this.#target, `at statement ${statement}`, err, excerpt);
  }

  #truncated(why: string): LifeboatError {
    return new LifeboatError('RESTORE_FAILED', `restore failed: the dump is incomplete, ${why}`, {
      hint: 'the target was left as it was; the artifact looks truncated — restore an earlier backup',
    });
  }
}

/**
 * What `ANALYZE sqlite_schema` is in a dump for: an empty sqlite_stat1 to insert statistics
 * into (SQLite refuses `CREATE TABLE sqlite_stat1`). A STAT4 build (better-sqlite3's) creates
 * an empty sqlite_stat4 alongside; it is dropped again, because the dump carries no stat4
 * rows and the restored file should hold the tables the source had.
 */
function createStatTables(db: SqliteDb): void {
  const exists = (name: string): boolean =>
    db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !==
    undefined;
  if (exists('sqlite_stat1')) return;
  const hadStat4 = exists('sqlite_stat4');
  db.exec('ANALYZE sqlite_schema');
  if (!hadStat4 && exists('sqlite_stat4')) db.exec('DROP TABLE sqlite_stat4');
}
