import type { ConnectionTarget, RestoreOptions, RestoreResult, TableSummary } from '../engine.js';
import { LifeboatError, isLifeboatError, messageOf } from '../../errors/index.js';
import { connect, type PgClient } from './postgres-connect.js';
import { EarlyMeasure, shiftMeasure } from './postgres-restore-measure.js';
import { lower, pgFields } from './postgres-errors.js';
import { HINT, aborted, failure, truncated } from './postgres-restore-errors.js';
import { checksumAlgorithm } from './postgres-checksum.js';
import { readDataTables, summariesOn } from './postgres-inspect.js';
import { tableName } from './postgres-selection.js';
import { relDisplay, relKey, subjectOf, type RelName } from './postgres-names.js';
import { LARGE_OBJECTS_TABLE } from './postgres-large-objects.js';
import { clearTarget, dropsFromMissingDomain } from './postgres-restore-drop.js';
import { recreate, type SavedStatement } from './postgres-restore-dependents.js';
import { CopyIn } from './postgres-restore-copy.js';
import { SelectiveRestore } from './postgres-restore-selective.js';
import { dropDatabase, openTarget } from './postgres-scratch.js';
import { prepareSession } from './postgres-session.js';
import { PgSplitter, type SplitEvent } from './postgres-splitter.js';

/**
 * Restores a plain SQL dump (lifeboat's, or `pg_dump -Fp`'s with or without `--inserts` and
 * `--clean --if-exists`) into `target` in one transaction. A full restore first drops the
 * target's user objects; with `tables`, only those tables are replaced. Any failure — bad SQL,
 * a truncated dump, an abort, `beforeCommit` throwing — rolls back; a database this restore
 * created is dropped again.
 */
export async function restorePostgres(
  target: ConnectionTarget,
  sql: AsyncIterable<Buffer>,
  options: RestoreOptions,
): Promise<RestoreResult> {
  if (options.signal.aborted) throw aborted(target, 0, options.signal);
  // An artifact whose checksums this version cannot compute fails before anything is loaded.
  checksumAlgorithm(options.checksumAlgorithm);
  const { client, created } = await openTarget(target, options.signal);
  // Nobody else sees a database this restore created (or a fresh scratch), and a failure drops
  // it whole: the load need not be one transaction, and the tables can be measured on a second
  // connection while it goes on.
  const fresh = (created || options.freshTarget === true) && options.tables === undefined;
  let measurer: PgClient | undefined;
  let committed = false;
  try {
    await prepareSession(client);
    let early: EarlyMeasure | undefined;
    if (fresh) {
      measurer = await connect(target, 'restoring', options.signal);
      await prepareSession(measurer);
      // Only these two sessions use the database, and each statement holds its locks briefly:
      // an index build waiting for a long measurement (or the reverse) is no stuck lock.
      for (const c of [client, measurer]) await c.query(`SET lock_timeout = 0`);
      early = new EarlyMeasure(measurer, `"${target.display}"`, options);
    } else await client.query('BEGIN');
    const run = new RestoreRun(client, target, options, early);
    await run.execute(sql);
    const tables = await run.summaries();
    await options.beforeCommit?.(tables);
    if (!fresh)
      await client.query('COMMIT').catch((err: unknown) => {
        throw new LifeboatError(
          'RESTORE_FAILED',
          `restore failed at commit: ${lower(messageOf(err))}`,
          { hint: HINT, cause: err },
        );
      });
    committed = true;
    return { tables, statements: run.statements };
  } catch (err) {
    if (options.signal.aborted && !isLifeboatError(err, 'RESTORE_FAILED'))
      throw aborted(target, 0, options.signal);
    throw err;
  } finally {
    if (!committed && !fresh) await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
    await measurer?.end().catch(() => undefined);
    if (created && !committed)
      await dropDatabase(target, target.database, new AbortController().signal).catch(
        () => undefined,
      );
  }
}

/** Large objects, as {@link LARGE_OBJECTS_TABLE} names them. */
const LARGE_OBJECTS_REL: RelName = { schema: 'pg_catalog', name: 'pg_largeobject' };

/** One restore's state: mode, selection, the COPY in progress, what was touched. */
class RestoreRun {
  statements = 0;
  readonly #client: PgClient;
  readonly #target: ConnectionTarget;
  readonly #options: RestoreOptions;
  readonly #selective: SelectiveRestore | undefined;
  readonly #artifact = new Map<string, RelName>();
  readonly #touched = new Map<string, RelName>();
  #saved: SavedStatement[] = []; // what depends on replaced or emptied tables, put back at the end
  #mode: 'replace' | 'data' | undefined;
  /** The `COPY … FROM stdin` whose rows are coming. */
  #copy: CopyIn | null = null;
  #bytes = 0;
  #table: string | undefined;
  readonly #early: EarlyMeasure | undefined;
  /** Whether a COPY into a new, empty table may load its rows frozen (see {@link CopyIn}). */
  readonly #freeze: boolean;
  /** In autocommit: a transaction the dump itself opened is in progress. */
  #dumpTransaction = false;

  constructor(
    client: PgClient,
    target: ConnectionTarget,
    options: RestoreOptions,
    early?: EarlyMeasure,
  ) {
    this.#client = client;
    this.#early = early;
    // Measured early means loaded in autocommit into a database nobody else sees.
    this.#freeze = early !== undefined;
    this.#target = target;
    this.#options = options;
    this.#selective =
      options.tables === undefined ? undefined : new SelectiveRestore(options.tables);
  }

  async execute(sql: AsyncIterable<Buffer>): Promise<void> {
    const splitter = new PgSplitter();
    for await (const chunk of sql) {
      this.#bytes += chunk.length;
      for (const event of splitter.push(chunk)) await this.#handle(event);
      this.#progress();
    }
    const { events, rest, inCopy } = splitter.end();
    for (const event of events) await this.#handle(event);
    if (inCopy || this.#copy !== null) throw truncated('it ends inside the rows of a COPY');
    if (this.#dumpTransaction) throw truncated('it ends inside a transaction it began');
    if (rest !== null) throw truncated('it ends in the middle of a statement');
    if (this.#mode === undefined) await this.#decide('replace');
    const missing = [...(this.#selective?.requested.entries() ?? [])].find(
      ([k]) => !this.#artifact.has(k),
    );
    if (missing !== undefined) {
      const available = [...this.#artifact.values()].map(relDisplay);
      throw new LifeboatError(
        'TABLE_NOT_FOUND',
        `table "${relDisplay(missing[1])}" is not in the artifact`,
        {
          hint: `tables in the artifact: ${available.length === 0 ? '(none)' : available.join(', ')}`,
          details: { table: relDisplay(missing[1]), available },
        },
      );
    }
    await recreate(this.#client, this.#saved);
  }

  /** Summaries of the tables this restore created or filled, measured before commit. */
  async summaries(): Promise<TableSummary[]> {
    const early = await this.#early?.finish();
    await prepareSession(this.#client);
    const names = [...this.#touched.values()].map((r) => `${r.schema}.${r.name}`);
    const wanted = new Set(names.map((n) => (n.startsWith('public.') ? n.slice(7) : n)));
    // Only what this restore wrote is read again: a selective restore of one table must not
    // re-read the whole database before it commits. Tables measured early are not read again.
    const rest = names.filter((n) => !early?.has(n.startsWith('public.') ? n.slice(7) : n));
    const measured = await summariesOn(
      this.#client,
      rest,
      `"${this.#target.display}"`,
      shiftMeasure(this.#options, early?.size ?? 0),
      'filter',
    );
    if (early === undefined || early.size === 0) return measured.filter((s) => wanted.has(s.name));
    // The order of the one-transaction path: that of the catalog (schema, then name).
    const byName = new Map([...early, ...measured.map((s) => [s.name, s] as const)]);
    const largeObjects = byName.get(LARGE_OBJECTS_TABLE);
    return [
      ...(await readDataTables(this.#client)).flatMap((t) => {
        const s = byName.get(tableName(t));
        return s !== undefined && wanted.has(s.name) ? [s] : [];
      }),
      ...(largeObjects !== undefined ? [largeObjects] : []),
    ];
  }

  async #handle(event: SplitEvent): Promise<void> {
    if (this.#options.signal.aborted)
      throw aborted(this.#target, this.statements, this.#options.signal);
    this.#early?.check();
    switch (event.kind) {
      case 'copy-data':
        await this.#copy?.write(event.data);
        return;
      case 'copy-end':
        if (this.#copy !== null) {
          const copy = this.#copy;
          this.#copy = null;
          // Not inside `?.(…)`: without an early measurement the COPY must still end.
          const rows = await copy.end();
          this.#early?.copied(rows);
        }
        return;
      case 'meta':
        return this.#meta(event.text, event.line);
      case 'statement':
        this.statements++;
        return this.#statement(event.sql, event.line);
    }
  }

  async #meta(text: string, line: number): Promise<void> {
    const [command, arg] = text.split(/\s+/);
    if (command === '\\restrict' || command === '\\unrestrict' || command === '\\.') return;
    if (command === '\\connect' || command === '\\c') {
      const db = (arg ?? '').replace(/^"(.*)"$/, '$1').replace(/^-reuse-previous=\S+$/, '');
      if (db === '' || db === '-' || db === this.#target.database) return;
      throw new LifeboatError(
        'RESTORE_FAILED',
        `restore failed at line ${line}: the dump switches to database "${db}"`,
        {
          hint: `${HINT}; restore each database of a multi-database dump separately`,
        },
      );
    }
    throw new LifeboatError(
      'RESTORE_FAILED',
      `restore failed at line ${line}: unsupported psql command "${command}"`,
      { hint: HINT },
    );
  }

  async #statement(sql: string, line: number): Promise<void> {
    const text = sql.trim();
    if (/^(BEGIN|START\s+TRANSACTION|COMMIT|END)\b\s*;?$/i.test(text)) {
      // One transaction already, unless this load runs in autocommit: there the dump's own
      // transactions are kept, as psql would run them. pg_dump wraps each large object's
      // lo_open/lowrite/lo_close in one, and a descriptor does not outlive its transaction.
      if (this.#freeze) {
        const begin = /^(BEGIN|START)/i.test(text);
        if (begin === this.#dumpTransaction) return; // nested BEGIN or stray COMMIT: as psql, a no-op
        await this.#run(begin ? 'BEGIN' : 'COMMIT', line, this.statements);
        this.#dumpTransaction = begin;
      }
      return;
    }
    if (/^ROLLBACK\b/i.test(text))
      throw truncated('it contains a ROLLBACK: the tool that wrote it hit errors');
    if (/^(CREATE|DROP|ALTER)\s+DATABASE\b/i.test(text)) {
      throw new LifeboatError(
        'RESTORE_FAILED',
        `restore failed at statement ${this.statements}: the dump creates or changes a database`,
        {
          hint: `${HINT}; dump without --create and restore with --to into the database you want`,
        },
      );
    }
    const subject = subjectOf(text);
    if (this.#mode === undefined && subject.kind !== 'session') {
      // lo_unlink first: a data-only dump of large objects (see postgres-large-objects.ts).
      const data =
        /^(COPY|INSERT|TRUNCATE|DELETE|SELECT\s+pg_catalog\.(?:setval|lo_unlink))\b/i.test(text);
      await this.#decide(data ? 'data' : 'replace');
    }
    // Large objects are restored and measured as a whole (not with --tables, as pg_dump's).
    if (this.#selective === undefined && /^SELECT\s+pg_catalog\.lo_create\s*\(/i.test(text))
      this.#touched.set(relKey(LARGE_OBJECTS_REL), LARGE_OBJECTS_REL);
    const selective = this.#selective;
    const held = (sql: string): Promise<void> => this.#exec(sql, line);
    if (subject.kind === 'table' && selective?.isSequence(subject.rel) === true) {
      const seq = { kind: 'sequence', rel: subject.rel } as const;
      if (!(await selective.admits(seq, text, this.#client, held))) return;
    } else if (subject.kind === 'table') {
      const k = relKey(subject.rel);
      if (subject.creates || subject.data) this.#artifact.set(k, subject.rel);
      if (selective !== undefined && !selective.requested.has(k)) return;
      if (subject.creates || subject.data) this.#touched.set(k, subject.rel);
      if (subject.data) this.#table = relDisplay(subject.rel);
    } else if (selective !== undefined) {
      if (!(await selective.admits(subject, text, this.#client, held))) return;
    }
    if (this.#mode === 'data' && selective !== undefined && /^TRUNCATE\b/i.test(text)) return;
    if (await dropsFromMissingDomain(this.#client, text)) return;
    if (this.#early !== undefined) {
      // Rows written inside a transaction of the dump are not visible to the measuring
      // connection when the dump moves on: measure everything after the load instead.
      if (this.#mode === 'data' || (this.#dumpTransaction && subject.kind === 'table'))
        this.#early.invalidate();
      const rel = subject.kind === 'table' && subject.data ? subject.rel : undefined;
      await this.#early.statement(text, rel, this.#client);
    }
    await this.#exec(text, line);
  }

  async #decide(mode: 'replace' | 'data'): Promise<void> {
    this.#mode = mode;
    const requested =
      this.#selective === undefined ? undefined : [...this.#selective.requested.values()];
    try {
      this.#saved = await clearTarget(this.#client, mode, requested);
    } catch (err) {
      throw failure(`while clearing the target`, err);
    }
  }

  async #exec(text: string, line: number): Promise<void> {
    if (/^COPY\b/i.test(text) && /\bFROM\s+stdin\b/i.test(text)) {
      const copy = { text, line, statement: this.statements, lines: this.#early?.copyLines() };
      this.#copy = new CopyIn(
        this.#client,
        this.#run,
        copy,
        this.#freeze && !this.#dumpTransaction,
      );
      return;
    }
    await this.#run(text, line, this.statements);
  }

  /** Runs one statement, mapping its failure to RESTORE_FAILED at `line`. */
  readonly #run = async (text: string, line: number, statement: number): Promise<void> => {
    try {
      await this.#client.query(text);
    } catch (err) {
      if (this.#options.signal.aborted)
        throw aborted(this.#target, this.statements, this.#options.signal);
      const position = Number(pgFields(err).position ?? 0);
      const at =
        position > 0 ? line + (text.slice(0, position - 1).match(/\n/g)?.length ?? 0) : line;
      throw failure(`at statement ${statement}`, err, at, text);
    }
  };

  #progress(): void {
    this.#options.onProgress?.({
      statements: this.statements,
      bytes: this.#bytes,
      table: this.#table,
    });
  }
}
