import { existsSync, statSync } from 'node:fs';
import type {
  ConnectionTarget,
  DatabaseDescription,
  EngineCallOptions,
  TableSummary,
} from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { fromSqliteError } from './sqlite-errors.js';
import { endSnapshot, openSnapshot, sqliteVersion } from './sqlite-open.js';
import { summarizeTable } from './sqlite-rows.js';
import { dataTables, isUtf8Database, readSchema, tableShape } from './sqlite-schema.js';
import { assertTablesExist, nameKey } from './sqlite-selection.js';

/** Tables with exact row counts, file size and SQLite version; null when the file is missing. */
export async function describeSqlite(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<DatabaseDescription | null> {
  throwIfAborted(options.signal);
  if (!existsSync(target.database)) return null;
  const db = openSnapshot(target, 'describing');
  try {
    const tables = dataTables(readSchema(db)).map((e) => {
      const count = db
        .prepare(`SELECT count(*) FROM "${e.name.replaceAll('"', '""')}"`)
        .pluck()
        .get() as bigint;
      return { name: e.name, rows: Number(count) };
    });
    return { serverVersion: sqliteVersion(db), tables, sizeBytes: statSync(target.database).size };
  } catch (err) {
    throw fromSqliteError(err, 'describing', target.database);
  } finally {
    endSnapshot(db);
  }
}

/**
 * Summaries of `tables` (all data tables when omitted) from one read transaction, with the
 * same algorithm as dumps, so a restored copy can be compared with a manifest.
 */
export async function summarizeSqlite(
  target: ConnectionTarget,
  tables: readonly string[] | undefined,
  options: EngineCallOptions,
): Promise<readonly TableSummary[]> {
  throwIfAborted(options.signal);
  const db = openSnapshot(target, 'summarizing');
  try {
    const all = dataTables(readSchema(db));
    if (tables !== undefined)
      assertTablesExist(
        tables,
        all.map((e) => e.name),
        `"${target.display}"`,
      );
    const wanted = tables === undefined ? undefined : new Set(tables.map(nameKey));
    const utf8 = isUtf8Database(db);
    const summaries: TableSummary[] = [];
    for (const entry of all) {
      if (wanted !== undefined && !wanted.has(nameKey(entry.name))) continue;
      throwIfAborted(options.signal);
      summaries.push(summarizeTable(db, tableShape(db, entry.name), utf8));
    }
    return summaries;
  } catch (err) {
    throw fromSqliteError(err, 'summarizing', target.database);
  } finally {
    endSnapshot(db);
  }
}
