import type { RestoreOptions } from '../engine.js';
import { LifeboatError, isLifeboatError } from '../../errors/index.js';
import { quoteIdent, type MysqlSession } from './mysql-connect.js';
import { StatementPipe } from './mysql-pipe.js';
import { MysqlSplitter } from './mysql-splitter.js';
import { classify, type Statement } from './mysql-statement.js';

/** What loading a dump into the scratch database found. */
export interface LoadResult {
  readonly statements: number;
  /** Tables the artifact creates or fills, in first-seen order. */
  readonly artifactTables: readonly string[];
  /** Tables now in the scratch database that the swap moves (respecting `tables`). */
  readonly loaded: readonly string[];
  /** Sequences now in the scratch database that the swap moves too (not summarized). */
  readonly sequences: readonly string[];
  /** True when the dump creates tables: the restore replaces the whole database. */
  readonly replacesSchema: boolean;
  /**
   * SET statements, view/trigger/routine/event statements and the database's defaults
   * (`ALTER DATABASE` without a name), replayed in the target after the swap.
   */
  readonly replay: readonly string[];
}

const PROGRESS_EVERY = 200;

/**
 * Executes a dump statement by statement in the scratch database (session `loader`, whose
 * default database is the scratch one). Tables are created and filled there; a statement on
 * a table the dump did not create (a data-only dump) first copies that table's definition
 * from the target. Triggers and events are not run here — a trigger would fire on the rows
 * being loaded, an event could run — but recorded, with views and routines (which do run
 * here, so that errors show before the swap), to be replayed in the target after the swap.
 */
export async function loadDump(
  loader: MysqlSession,
  scratch: string,
  target: string,
  targetTables: ReadonlySet<string>,
  sql: AsyncIterable<Buffer>,
  options: RestoreOptions,
): Promise<LoadResult> {
  const requested = options.tables === undefined ? undefined : new Set(options.tables);
  const splitter = new MysqlSplitter('latin1');
  const present = new Set<string>();
  const artifact: string[] = [];
  const replay: string[] = [];
  let replacesSchema = false;
  let statements = 0;
  let bytes = 0;
  let table: string | undefined;

  const pipe = new StatementPipe(loader);

  const run = async (text: string): Promise<void> => {
    statements++;
    const statement = classify(text);
    if (
      statement.kind === 'table' &&
      (statement.verb === 'create' || statement.verb === 'insert') &&
      !artifact.includes(statement.table)
    ) {
      artifact.push(statement.table);
    }
    if (!included(statement, requested)) return;
    if (statement.kind === 'table') {
      table = statement.table;
      if (statement.verb === 'create') {
        replacesSchema = true;
        await placeholderSequences(text);
        present.add(statement.table);
        standIns.delete(statement.table);
      } else if (statement.verb !== 'drop' && !present.has(statement.table)) {
        present.add(statement.table);
        if (targetTables.has(statement.table)) await copyDefinition(statement.table);
      }
    }
    if (statement.kind === 'set' || statement.kind === 'object' || statement.kind === 'database')
      replay.push(text);
    if (statement.kind === 'object' && (statement.type === 'trigger' || statement.type === 'event'))
      return;
    await pipe.run(statements, text);
  };
  // The server refuses a table whose DEFAULT NEXTVAL(s) names a missing sequence. A sequence
  // the load does not create (left out by `tables`, or dumped after the table) gets a
  // stand-in: never swapped in, and the swap points defaults that name the scratch database
  // at the target's sequence.
  const standIns = new Set<string>();
  const placeholderSequences = async (text: string): Promise<void> => {
    for (const m of text.matchAll(/\bnextval\(\s*(`(?:[^`]|``)+`|[\w$]+)\s*\)/gi)) {
      const raw = m[1] ?? '';
      const name = Buffer.from(raw, 'latin1').toString('utf8');
      const unquoted = name.startsWith('`') ? name.slice(1, -1).replace(/``/g, '`') : name;
      if (present.has(unquoted)) continue;
      present.add(unquoted);
      standIns.add(unquoted);
      await pipe.run(statements, `CREATE SEQUENCE IF NOT EXISTS ${raw}`);
    }
  };
  const copyDefinition = async (name: string): Promise<void> => {
    // Queued behind the statements in flight on the loader.
    const [row] = await loader.query(`SHOW CREATE TABLE ${quoteIdent(target)}.${quoteIdent(name)}`);
    await pipe.run(statements, String(row?.['Create Table'] ?? ''));
  };

  try {
    for await (const chunk of sql) {
      if (options.signal.aborted) throw loader.mapError(options.signal.reason, 'restoring');
      bytes += chunk.length;
      for (const text of splitter.push(chunk)) {
        await run(text);
        if (statements % PROGRESS_EVERY === 0) {
          options.onProgress?.({ statements, bytes, ...(table ? { table } : {}) });
        }
      }
    }
  } catch (err) {
    if (isLifeboatError(err)) throw err;
    throw loader.mapError(err, 'reading the dump for');
  }
  const end = splitter.end();
  for (const text of end.statements) await run(text);
  await pipe.finish(statements);
  if (end.rest !== null) {
    throw new LifeboatError(
      'RESTORE_FAILED',
      'restore failed: the dump ends in the middle of a statement',
      {
        hint: `the target was left as it was; the artifact is truncated (the last statement begins "${end.rest.slice(0, 60)}")`,
      },
    );
  }
  options.onProgress?.({ statements, bytes });
  // The dump's footer put the session back as it found it; pin it again for measuring.
  await loader.query("SET NAMES utf8mb4, time_zone = '+00:00'");
  const missing = [...(requested ?? [])].filter((t) => !artifact.includes(t));
  if (missing.length > 0) {
    throw new LifeboatError('TABLE_NOT_FOUND', `table "${missing[0]}" is not in the artifact`, {
      hint: `tables in the artifact: ${artifact.join(', ') || '(none)'}`,
      details: { table: missing[0], available: artifact },
    });
  }
  const rows = await loader.query(
    `SELECT TABLE_NAME AS t, TABLE_TYPE = 'SEQUENCE' AS seq FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE')
      ORDER BY TABLE_NAME`,
    [scratch],
  );
  const wanted = rows.filter((r) => requested === undefined || requested.has(String(r.t)));
  const loaded = wanted.filter((r) => Number(r.seq) !== 1).map((r) => String(r.t));
  const sequences = wanted
    .filter((r) => Number(r.seq) === 1 && !standIns.has(String(r.t)))
    .map((r) => String(r.t));
  return { statements, artifactTables: artifact, loaded, sequences, replacesSchema, replay };
}

/** With `tables`, only those tables' statements (and their triggers) run; views and routines do not. */
function included(statement: Statement, requested: ReadonlySet<string> | undefined): boolean {
  if (statement.kind === 'skip') return false;
  if (requested === undefined) return true;
  // Some tables restored among the target's others: the database's defaults stay its own.
  if (statement.kind === 'database') return false;
  if (statement.kind === 'table') return requested.has(statement.table);
  if (statement.kind === 'object') {
    return (
      statement.type === 'trigger' &&
      statement.table !== undefined &&
      requested.has(statement.table)
    );
  }
  return true;
}
