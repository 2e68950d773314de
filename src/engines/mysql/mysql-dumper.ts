import type { DumpScope, DumpSession, DumpWriter, TableInfo, TableSummary } from '../engine.js';
import { LifeboatError, throwIfAborted } from '../../errors/index.js';
import { OutBuffer } from '../shared/out-buffer.js';
import { CHECKSUM_ALGORITHM, TableChecksum } from './mysql-checksum.js';
import { quoteIdent, type MysqlSession } from './mysql-connect.js';
import {
  databaseText,
  footerText,
  headerText,
  HISTORY_OFF,
  HISTORY_ON,
  objectText,
  placeholderViewText,
  sequenceText,
  tableText,
  unqualifySequences,
} from './mysql-dump-text.js';
import { InsertEncoder, STATEMENT_CHARS } from './mysql-insert-encoder.js';
import {
  sequenceState,
  showCreateSequence,
  showCreateTable,
  type BaseTable,
  type DatabaseDefaults,
  type SchemaObject,
} from './mysql-objects.js';
import { rowQuery } from './mysql-rows.js';

/** What `openMysqlDump` read before handing the snapshot to the session. */
export interface MysqlDumpPlan {
  readonly session: MysqlSession;
  readonly database: string;
  readonly scope: DumpScope;
  readonly signal: AbortSignal;
  /** Selected base tables in dump order. */
  readonly tables: readonly BaseTable[];
  /** Sequences, created (with their state, when the scope has data) before any table. */
  readonly sequences: readonly string[];
  readonly views: readonly { object: SchemaObject; columns: string[] }[];
  /** Triggers, routines and events, in the order they are written. */
  readonly objects: readonly SchemaObject[];
  /** The database's own defaults: whole-database dumps with the schema only. */
  readonly databaseDefaults: DatabaseDefaults | undefined;
  readonly facts: Record<string, unknown>;
  readonly warnings: string[];
  /** Releases the read locks of non-transactional tables; called once they are all dumped. */
  readonly unlock: (() => Promise<void>) | undefined;
  /** Tables that stay locked until `unlock`. */
  readonly locked: ReadonlySet<string>;
}

/**
 * A dump of one database from one `START TRANSACTION WITH CONSISTENT SNAPSHOT`, written like
 * mysqldump's: settings header, tables (with placeholder views), multi-row INSERTs with
 * column lists, then views, triggers, routines and events, then the settings restored.
 */
export class MysqlDumpSession implements DumpSession {
  readonly serverVersion: string;
  readonly tables: readonly TableInfo[];
  readonly checksumAlgorithm = CHECKSUM_ALGORITHM;
  readonly #plan: MysqlDumpPlan;
  readonly #pendingLocks: Set<string>;
  #unlocked = false;

  constructor(plan: MysqlDumpPlan) {
    this.#plan = plan;
    this.serverVersion = plan.session.serverVersion;
    this.tables = plan.tables.map((t) =>
      t.rows === undefined ? { name: t.name } : { name: t.name, estimatedRows: t.rows },
    );
    this.#pendingLocks = new Set(plan.locked);
  }

  sourceFacts = (): Readonly<Record<string, unknown>> => this.#plan.facts;
  warnings = (): readonly string[] => this.#plan.warnings;

  async writeHeader(out: DumpWriter): Promise<void> {
    await out.write(headerText(this.serverVersion, this.#plan.database));
  }

  async writeSchema(out: DumpWriter): Promise<void> {
    const { scope, session, database } = this.#plan;
    if (!scope.schema) return;
    const buf = new OutBuffer(out);
    if (this.#plan.databaseDefaults !== undefined)
      buf.add(databaseText(this.#plan.databaseDefaults));
    // Sequences first: a table's DEFAULT NEXTVAL(s) needs s when rows are inserted.
    for (const name of this.#plan.sequences) {
      throwIfAborted(this.#plan.signal);
      const create = await showCreateSequence(session, database, name);
      const state = scope.data ? await sequenceState(session, database, name) : undefined;
      buf.add(sequenceText(name, create, state));
    }
    for (const table of this.#plan.tables) {
      throwIfAborted(this.#plan.signal);
      const create = await showCreateTable(session, database, table.name);
      buf.add(tableText(table.name, unqualifySequences(create, database)));
      if (buf.full) await buf.flush();
    }
    for (const view of this.#plan.views)
      buf.add(placeholderViewText(view.object.name, view.columns));
    await buf.flush();
  }

  async writeTableData(
    table: TableInfo,
    out: DumpWriter,
    onRows: (rowsSoFar: number) => void,
  ): Promise<TableSummary> {
    const { session, database, scope, signal } = this.#plan;
    const base = this.#plan.tables.find((t) => t.name === table.name);
    if (base === undefined) {
      throw new LifeboatError('INTERNAL', `table "${table.name}" is not part of this dump`);
    }
    const checksum = new TableChecksum();
    if (!scope.data) return { name: table.name, rows: 0, checksum: checksum.toString() };
    throwIfAborted(signal);
    const ident = quoteIdent(table.name);
    const { columns, history, sql } = await rowQuery(session, database, base);
    const prefix = `INSERT INTO ${ident} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES `;
    const encoder = new InsertEncoder(
      prefix,
      columns.map((c) => c.kind),
    );
    // Without the schema the restore fills existing tables, so say that their rows are replaced.
    if (!scope.schema) encoder.addText(`DELETE FROM ${ident};\n`);
    if (history) encoder.addText(HISTORY_ON);
    const count = columns.length;
    let reported = 0;
    const flush = async (): Promise<void> => {
      reported += encoder.size;
      await out.write(encoder.take());
      // Progress about once per MiB written, as often as whole statements used to go out.
      if (reported >= STATEMENT_CHARS) {
        reported = 0;
        onRows(checksum.rows);
      }
      throwIfAborted(signal);
    };
    try {
      // A table without stored columns reads `SELECT 1`: its rows hash and print as empty.
      await session.eachRaw(sql, (buf, start, end) => {
        checksum.addPacket(buf, start, end, count);
        encoder.addPacket(buf, start, end);
        return encoder.full ? flush() : undefined;
      });
    } catch (err) {
      throw session.mapError(err, `reading table "${table.name}" of`);
    }
    encoder.end();
    if (history) encoder.addText(HISTORY_OFF);
    if (encoder.size > 0) await out.write(encoder.take());
    onRows(checksum.rows);
    await this.#release(table.name);
    return { name: table.name, rows: checksum.rows, checksum: checksum.toString() };
  }

  async writePostData(out: DumpWriter): Promise<void> {
    if (!this.#plan.scope.schema) return;
    const noDefiner = this.#plan.scope.options?.noDefiner === true;
    const buf = new OutBuffer(out);
    // Routines before views: a view that calls a stored function cannot be created before the
    // function, while a routine's body is resolved only when it runs, so it needs nothing first.
    const routine = (o: SchemaObject): boolean => o.kind === 'procedure' || o.kind === 'function';
    const defaults = this.#plan.databaseDefaults;
    for (const object of this.#plan.objects.filter(routine))
      buf.add(objectText(object, noDefiner, defaults));
    for (const view of this.#plan.views) buf.add(objectText(view.object, noDefiner, defaults));
    for (const object of this.#plan.objects.filter((o) => !routine(o)))
      buf.add(objectText(object, noDefiner, defaults));
    await buf.flush();
  }

  async writeFooter(out: DumpWriter): Promise<void> {
    await out.write(footerText());
  }

  async close(): Promise<void> {
    await this.#release(undefined);
    try {
      await this.#plan.session.query('ROLLBACK');
    } catch {
      // The connection may be gone (abort); closing is all that is left to do.
    }
    await this.#plan.session.close();
  }

  /** Drops the table locks once the last locked table is dumped (or at close). */
  async #release(table: string | undefined): Promise<void> {
    if (table !== undefined) this.#pendingLocks.delete(table);
    if (this.#unlocked || (table !== undefined && this.#pendingLocks.size > 0)) return;
    this.#unlocked = true;
    await this.#plan.unlock?.();
  }
}
