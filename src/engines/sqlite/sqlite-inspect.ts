import { existsSync, statSync } from 'node:fs';
import type {
  ConnectionTarget,
  DatabaseDescription,
  EngineCallOptions,
  SummarizeOptions,
  TableSummary,
} from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import { assertKnownAlgorithm } from './sqlite-checksum.js';
import { fromSqliteError } from './sqlite-errors.js';
import { endSnapshot, openSnapshot, sqliteVersion } from './sqlite-open.js';
import { measureTable } from './sqlite-rows.js';
import { MeasureMeter } from '../shared/measure-meter.js';
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
  options: SummarizeOptions,
): Promise<readonly TableSummary[]> {
  throwIfAborted(options.signal);
  assertKnownAlgorithm(options.checksumAlgorithm);
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
    const measured = all.filter((e) => wanted === undefined || wanted.has(nameKey(e.name)));
    const meter = new MeasureMeter(options.onMeasure, measured.length);
    const check = (): void => throwIfAborted(options.signal);
    const summaries: TableSummary[] = [];
    for (const entry of measured) {
      check();
      summaries.push(await measureTable(db, tableShape(db, entry.name), utf8, meter, check));
    }
    return summaries;
  } catch (err) {
    throw fromSqliteError(err, 'summarizing', target.database);
  } finally {
    endSnapshot(db);
  }
}
