import type {
  ConnectionTarget,
  DumpScope,
  DumpSession,
  DumpWriter,
  EngineCallOptions,
  TableInfo,
  TableSummary,
} from '../engine.js';
import { LifeboatError, throwIfAborted } from '../../errors/index.js';
import { LIFEBOAT_VERSION } from '../../version.js';
import { CHECKSUM_ALGORITHM, TableChecksum } from './sqlite-checksum.js';
import { quoteIdent, quoteString, valueLiteral } from './sqlite-literals.js';
import { fromSqliteError } from './sqlite-errors.js';
import { endSnapshot, openSnapshot, sqliteVersion, type SqliteDb } from './sqlite-open.js';
import type { CellValue } from './sqlite-cell.js';
import { addRow, readRows } from './sqlite-rows.js';
import {
  dataTables,
  isInternal,
  isUtf8Database,
  isVirtual,
  readSchema,
  tableShape,
  type SchemaEntry,
} from './sqlite-schema.js';
import { nameKey, selectTables } from './sqlite-selection.js';
import { OutBuffer } from '../shared/out-buffer.js';
import { DUMP_MARK } from './sqlite-sniff.js';
import { fileSettingsFooter, fileSettingsHeader } from './sqlite-file-settings.js';

/** Everything a dump session needs, read once inside the snapshot by `openSqliteDump`. */
export interface DumpPlan {
  readonly db: SqliteDb;
  readonly scope: DumpScope;
  readonly signal: AbortSignal;
  readonly entries: readonly SchemaEntry[];
  /** Name keys of the selected tables, virtual and shadow tables included. */
  readonly selected: ReadonlySet<string>;
  readonly utf8: boolean;
}

/**
 * A dump of one SQLite file from one read transaction, written like `sqlite3 .dump`: tables in
 * creation order, rows as `INSERT INTO "t"(cols) VALUES(...)`, then sqlite_sequence state,
 * indexes, triggers and views, all inside `BEGIN TRANSACTION; ... COMMIT;` so that
 * `sqlite3 new.db < dump.sql` restores it.
 */
export class SqliteDumpSession implements DumpSession {
  readonly serverVersion: string;
  readonly tables: readonly TableInfo[];
  readonly checksumAlgorithm = CHECKSUM_ALGORITHM;
  readonly #plan: DumpPlan;

  constructor(plan: DumpPlan) {
    this.#plan = plan;
    this.serverVersion = sqliteVersion(plan.db);
    this.tables = dataTables(plan.entries)
      .filter((e) => plan.selected.has(nameKey(e.name)))
      .map((e) => ({ name: e.name }));
  }

  async writeHeader(out: DumpWriter): Promise<void> {
    const settings = this.#wholeFile() ? fileSettingsHeader(this.#plan.db) : '';
    await out.write(
      `${DUMP_MARK} v1 (lifeboat ${LIFEBOAT_VERSION}, sqlite ${this.serverVersion})\nPRAGMA foreign_keys=OFF;\nPRAGMA ignore_check_constraints=ON;\n${settings}BEGIN TRANSACTION;\n`,
    );
  }

  /**
   * CREATE TABLE statements as stored in sqlite_schema. A virtual table is written as `.dump`
   * writes it — a row inserted into sqlite_schema under `PRAGMA writable_schema` — because
   * `CREATE VIRTUAL TABLE` would create fresh shadow tables that then clash with the dumped
   * ones, which hold the actual data.
   */
  async writeSchema(out: DumpWriter): Promise<void> {
    if (!this.#plan.scope.schema) return;
    const buf = new OutBuffer(out);
    // Applications keep their schema version in user_version (a migration framework reads it to
    // decide what to run), and their file type in application_id; `.dump` leaves both out. Not
    // in a dump of chosen tables: restoring a few tables does not make the target that version.
    if (this.#plan.scope.tables === undefined) {
      for (const pragma of ['user_version', 'application_id']) {
        const value = Number(this.#plan.db.pragma(pragma, { simple: true }));
        if (value !== 0) buf.add(`PRAGMA ${pragma}=${value};\n`);
      }
    }
    let writable = false;
    for (const entry of this.#plan.entries) {
      if (entry.type !== 'table' || entry.sql === null || !this.#isSelected(entry.name)) continue;
      if (isVirtual(entry)) {
        if (!writable) buf.add('PRAGMA writable_schema=ON;\n');
        writable = true;
        const name = quoteString(entry.name);
        buf.add(
          `INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',${name},${name},0,${quoteString(entry.sql)});\n`,
        );
      } else {
        buf.add(`${entry.sql};\n`);
      }
    }
    if (writable) buf.add('PRAGMA writable_schema=OFF;\n');
    await buf.flush();
  }

  async writeTableData(
    table: TableInfo,
    out: DumpWriter,
    onRows: (rowsSoFar: number) => void,
  ): Promise<TableSummary> {
    const checksum = new TableChecksum();
    const { db, scope, signal, utf8 } = this.#plan;
    if (!this.#isSelected(table.name) || !this.tables.some((t) => t.name === table.name)) {
      throw new LifeboatError('INTERNAL', `table "${table.name}" is not part of this dump`);
    }
    // A schema-only artifact holds no rows; its summary says so, which is what a restore will find.
    if (!scope.data) return { name: table.name, rows: 0, checksum: checksum.toString() };
    throwIfAborted(signal);
    const shape = tableShape(db, table.name);
    const buf = new OutBuffer(out);
    // Without the schema the restore fills existing tables, so say that they are replaced.
    if (!scope.schema) buf.add(`DELETE FROM ${quoteIdent(table.name)};\n`);
    const columns = shape.columns.map(quoteIdent);
    if (shape.preserveRowid && shape.rowidRef !== null) columns.unshift(shape.rowidRef);
    const prefix = `INSERT INTO ${quoteIdent(table.name)}(${columns.join(',')}) VALUES(`;
    for (const row of readRows(db, shape, utf8)) {
      let line = prefix;
      for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : ',') + valueLiteral(row[i]);
      addRow(checksum, shape, row);
      buf.add(`${line});\n`);
      if (buf.full) {
        // The statement stays open across the await; nothing else runs on this connection meanwhile.
        await buf.flush();
        onRows(checksum.rows);
        throwIfAborted(signal);
      }
    }
    await buf.flush();
    onRows(checksum.rows);
    return { name: table.name, rows: checksum.rows, checksum: checksum.toString() };
  }

  /**
   * sqlite_sequence state (with the data), planner statistics (with both), then indexes,
   * triggers and views (with the schema).
   */
  async writePostData(out: DumpWriter): Promise<void> {
    const buf = new OutBuffer(out);
    const { db, scope, entries } = this.#plan;
    if (
      scope.data &&
      entries.some((e) => e.type === 'table' && nameKey(e.name) === 'sqlite_sequence')
    ) {
      const filtered = scope.tables !== undefined || (scope.excludeTables?.length ?? 0) > 0;
      const names = this.tables.map((t) => quoteString(t.name)).join(',');
      buf.add(
        filtered
          ? `DELETE FROM sqlite_sequence WHERE name IN (${names});\n`
          : 'DELETE FROM sqlite_sequence;\n',
      );
      const rows = db.prepare('SELECT name, seq FROM sqlite_sequence').raw(true).all() as [
        unknown,
        unknown,
      ][];
      for (const [name, seq] of rows) {
        if (typeof name !== 'string' || !this.#isSelected(name)) continue;
        buf.add(
          `INSERT INTO sqlite_sequence VALUES(${quoteString(name)},${valueLiteral(seq as CellValue)});\n`,
        );
      }
    }
    if (scope.schema && scope.data) this.#addStatistics(buf);
    if (scope.schema) {
      for (const entry of entries) {
        if (
          entry.sql === null ||
          isInternal(entry.name) ||
          !['index', 'trigger', 'view'].includes(entry.type)
        )
          continue;
        if (this.#postObjectSelected(entry)) buf.add(`${entry.sql};\n`);
      }
    }
    await buf.flush();
  }

  async writeFooter(out: DumpWriter): Promise<void> {
    const settings = this.#wholeFile() ? fileSettingsFooter(this.#plan.db) : '';
    await out.write(`COMMIT;\n${settings}`);
  }

  /**
   * A dump of the whole file (some tables may be excluded) with its schema carries the file's
   * own settings; one of chosen tables, or of rows into an existing schema, does not.
   */
  #wholeFile(): boolean {
    return this.#plan.scope.schema && this.#plan.scope.tables === undefined;
  }

  async close(): Promise<void> {
    endSnapshot(this.#plan.db);
  }

  /**
   * The planner statistics of `ANALYZE` (sqlite_stat1), written as `.dump` writes them, so a
   * restored database plans its queries as the source did without an ANALYZE over all of it.
   * sqlite_stat4 is left out: SQLite builds without STAT4 (Debian's sqlite3 among them) have
   * no such table and would refuse the whole dump; ANALYZE rebuilds it.
   */
  #addStatistics(buf: OutBuffer): void {
    const { db, entries } = this.#plan;
    if (!entries.some((e) => e.type === 'table' && nameKey(e.name) === 'sqlite_stat1')) return;
    const rows = db.prepare('SELECT tbl, idx, stat FROM sqlite_stat1').raw(true).all() as [
      CellValue,
      CellValue,
      CellValue,
    ][];
    const selected = rows.filter(([tbl]) => typeof tbl === 'string' && this.#isSelected(tbl));
    if (selected.length === 0) return;
    buf.add('ANALYZE sqlite_schema;\n');
    for (const row of selected)
      buf.add(`INSERT INTO sqlite_stat1 VALUES(${row.map(valueLiteral).join(',')});\n`);
  }

  #isSelected(name: string): boolean {
    return this.#plan.selected.has(nameKey(name));
  }

  /**
   * Indexes and triggers go with their table. Views belong to no table, so a dump limited with
   * `tables` leaves them out (they would name tables the artifact lacks); triggers on a view
   * follow the view.
   */
  #postObjectSelected(entry: SchemaEntry): boolean {
    const viewsIncluded = this.#plan.scope.tables === undefined;
    if (entry.type === 'view') return viewsIncluded;
    if (this.#isSelected(entry.tblName)) return true;
    return (
      viewsIncluded &&
      this.#plan.entries.some(
        (e) => e.type === 'view' && nameKey(e.name) === nameKey(entry.tblName),
      )
    );
  }
}

/**
 * Opens a dump: one read transaction on the file, held until `close()`, from which the schema,
 * every table's rows and their checksums are read.
 */
export async function openSqliteDump(
  target: ConnectionTarget,
  scope: DumpScope,
  options: EngineCallOptions,
): Promise<DumpSession> {
  throwIfAborted(options.signal);
  const db = openSnapshot(target, 'opening for backup');
  try {
    const entries = readSchema(db);
    const selected = selectTables(db, entries, scope, `"${target.display}"`);
    return new SqliteDumpSession({
      db,
      scope,
      signal: options.signal,
      entries,
      selected,
      utf8: isUtf8Database(db),
    });
  } catch (err) {
    endSnapshot(db);
    throw fromSqliteError(err, 'reading the schema of', target.database);
  }
}
