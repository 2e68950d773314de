import { LifeboatError } from '../../errors/index.js';
import { quoteString } from './mysql-literals.js';
import { quoteIdent, type MysqlSession } from './mysql-connect.js';

/** A base table as the dump sees it. */
export interface BaseTable {
  readonly name: string;
  readonly engine: string;
  readonly rows: number | undefined;
  /** MariaDB `WITH SYSTEM VERSIONING`: the table keeps the history of its rows. */
  readonly versioned: boolean;
}

/** A view, trigger, routine or event, with the session settings it was created under. */
export interface SchemaObject {
  readonly kind: 'view' | 'trigger' | 'procedure' | 'function' | 'event';
  readonly name: string;
  /** The table a trigger belongs to. */
  readonly table?: string;
  /** The CREATE statement as the server shows it, without a trailing delimiter. */
  readonly create: string;
  readonly sqlMode: string;
  readonly collation: string;
  /** The client character set it was created with; see {@link clientCharset}. */
  readonly client: string;
  readonly timeZone?: string;
  /**
   * The database collation it was created under (triggers, routines, events): it is the
   * collation of its parameters, variables and return value that name none of their own.
   */
  readonly databaseCollation?: string;
}

/** The database's own defaults, which a whole-database dump carries. */
export interface DatabaseDefaults {
  readonly charset: string;
  readonly collation: string;
  /** MariaDB 10.5+: `CREATE DATABASE … COMMENT`; null where the server has no such thing. */
  readonly comment: string | null;
}

/**
 * `CHARACTER SET … COLLATE …[ COMMENT …]` of an `ALTER DATABASE`. The comment is a MariaDB
 * 10.5 executable comment: MySQL, which has none, skips it.
 */
export function databaseClause(d: DatabaseDefaults, withEmptyComment = false): string {
  const comment =
    d.comment === null || (d.comment === '' && !withEmptyComment)
      ? ''
      : ` /*M!100500 COMMENT ${quoteString(d.comment)} */`;
  return `CHARACTER SET ${d.charset} COLLATE ${d.collation}${comment}`;
}

/** The character set, collation and (MariaDB) comment of `database`. */
export async function readDatabaseDefaults(
  session: MysqlSession,
  database: string,
): Promise<DatabaseDefaults | undefined> {
  const [row] = await session.query(
    'SELECT * FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [database],
  );
  if (row === undefined) return undefined;
  const comment = row['SCHEMA_COMMENT'];
  return {
    charset: String(row['DEFAULT_CHARACTER_SET_NAME']),
    collation: String(row['DEFAULT_COLLATION_NAME']),
    comment: typeof comment === 'string' ? comment : null,
  };
}

/** Engines whose tables take part in a consistent-snapshot transaction. */
const TRANSACTIONAL = new Set(['innodb', 'rocksdb', 'tokudb']);

/** True for MyISAM, Aria, MEMORY, CSV, ARCHIVE…: read outside the snapshot. */
export function isTransactional(table: BaseTable): boolean {
  return TRANSACTIONAL.has(table.engine.toLowerCase());
}

/**
 * The tables of `database` that hold rows, by name: base tables and MariaDB system-versioned
 * tables. Sequences are read by {@link readSequences}; any other kind is refused with its
 * name, because a backup that silently left it out would look complete.
 */
export async function readTables(session: MysqlSession, database: string): Promise<BaseTable[]> {
  const rows = await session.query(
    `SELECT TABLE_NAME AS name, TABLE_TYPE AS type, ENGINE AS engine, TABLE_ROWS AS estimate
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
    [database],
  );
  const unsupported = rows.filter((r) => !KNOWN_TYPES.has(String(r.type)));
  if (unsupported.length > 0) {
    const list = unsupported.map((r) => `"${String(r.name)}" (${String(r.type).toLowerCase()})`);
    throw new LifeboatError(
      'DB_ERROR',
      `lifeboat cannot back up these objects of "${database}" yet: ${list.join(', ')}`,
      { hint: 'leave them out with --exclude-tables, or back up with mariadb-dump meanwhile' },
    );
  }
  return rows
    .filter((r) => r.type === 'BASE TABLE' || r.type === VERSIONED)
    .map((r) => ({
      name: String(r.name),
      engine: String(r.engine ?? ''),
      rows: r.estimate === null || r.estimate === undefined ? undefined : Number(r.estimate),
      versioned: r.type === VERSIONED,
    }));
}

const VERSIONED = 'SYSTEM VERSIONED';
const KNOWN_TYPES = new Set(['BASE TABLE', VERSIONED, 'SEQUENCE', 'VIEW']);

/** The MariaDB sequences of `database`, by name. */
export async function readSequences(session: MysqlSession, database: string): Promise<string[]> {
  const rows = await session.query(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'SEQUENCE' ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((r) => String(r.name));
}

/** `SHOW CREATE SEQUENCE`: its definition (start, bounds, increment, cache, cycle). */
export async function showCreateSequence(
  session: MysqlSession,
  database: string,
  sequence: string,
): Promise<string> {
  const [row] = await session.query(
    `SHOW CREATE SEQUENCE ${quoteIdent(database)}.${quoteIdent(sequence)}`,
  );
  return String(row?.['Create Table'] ?? '');
}

/**
 * Where a sequence stands, as `mariadb-dump` reads it: the next value not yet handed out to
 * any cache, and how many times it has cycled. `SETVAL(s, next, 0, cycles)` puts it back.
 */
export async function sequenceState(
  session: MysqlSession,
  database: string,
  sequence: string,
): Promise<{ next: string; cycles: string }> {
  const [row] = await session.query(
    `SELECT next_not_cached_value AS next, cycle_count AS cycles FROM ${quoteIdent(database)}.${quoteIdent(sequence)}`,
  );
  return { next: String(row?.next ?? '1'), cycles: String(row?.cycles ?? '0') };
}

/** `SHOW CREATE TABLE`, AUTO_INCREMENT state included. */
export async function showCreateTable(
  session: MysqlSession,
  database: string,
  table: string,
): Promise<string> {
  const [row] = await session.query(
    `SHOW CREATE TABLE ${quoteIdent(database)}.${quoteIdent(table)}`,
  );
  return String(row?.['Create Table'] ?? '');
}

/** Views with their column names (for placeholders) in name order. */
export async function readViews(
  session: MysqlSession,
  database: string,
): Promise<{ object: SchemaObject; columns: string[] }[]> {
  const names = await session.query(
    'SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
    [database],
  );
  const result: { object: SchemaObject; columns: string[] }[] = [];
  for (const { name } of names) {
    const view = String(name);
    const [row] = await session.query(
      `SHOW CREATE VIEW ${quoteIdent(database)}.${quoteIdent(view)}`,
    );
    const columns = await session.query(
      'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [database, view],
    );
    result.push({
      object: {
        kind: 'view',
        name: view,
        create: String(row?.['Create View'] ?? ''),
        sqlMode: '',
        collation: String(row?.collation_connection ?? 'utf8mb4_general_ci'),
        client: String(row?.character_set_client ?? 'utf8mb4'),
      },
      columns: columns.map((c) => String(c.c)),
    });
  }
  return result;
}

/** Triggers in the order they fire (table, timing, event, action order). */
export async function readTriggers(
  session: MysqlSession,
  database: string,
): Promise<SchemaObject[]> {
  const names = await session.query(
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS
      WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
    [database],
  );
  const result: SchemaObject[] = [];
  for (const { name, tbl } of names) {
    const [row] = await session.query(
      `SHOW CREATE TRIGGER ${quoteIdent(database)}.${quoteIdent(String(name))}`,
    );
    result.push({
      kind: 'trigger',
      name: String(name),
      table: String(tbl),
      create: String(row?.['SQL Original Statement'] ?? ''),
      sqlMode: String(row?.sql_mode ?? ''),
      collation: String(row?.collation_connection ?? 'utf8mb4_general_ci'),
      client: String(row?.character_set_client ?? 'utf8mb4'),
      databaseCollation: databaseCollation(row),
    });
  }
  return result;
}

/** Stored procedures and functions; MariaDB packages are refused by name. */
export async function readRoutines(
  session: MysqlSession,
  database: string,
): Promise<SchemaObject[]> {
  const names = await session.query(
    `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES
      WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_TYPE DESC, ROUTINE_NAME`,
    [database],
  );
  const packages = names.filter((r) => r.type !== 'PROCEDURE' && r.type !== 'FUNCTION');
  if (packages.length > 0) {
    throw new LifeboatError(
      'DB_ERROR',
      `lifeboat cannot back up these routines of "${database}" yet: ${packages.map((r) => `"${String(r.name)}" (${String(r.type).toLowerCase()})`).join(', ')}`,
      { hint: 'back up with mariadb-dump --routines meanwhile' },
    );
  }
  const result: SchemaObject[] = [];
  for (const { name, type } of names) {
    const kind = type === 'FUNCTION' ? 'function' : 'procedure';
    const [row] = await session.query(
      `SHOW CREATE ${kind.toUpperCase()} ${quoteIdent(database)}.${quoteIdent(String(name))}`,
    );
    const create = row?.[kind === 'function' ? 'Create Function' : 'Create Procedure'];
    if (typeof create !== 'string') {
      // The server hides the body from users without the privilege to see it.
      throw new LifeboatError('DB_ERROR', `cannot read the body of ${kind} "${String(name)}"`, {
        hint: 'the user needs SELECT on mysql.proc (MariaDB) or SHOW_ROUTINE (MySQL 8) to dump routines',
      });
    }
    result.push({
      kind,
      name: String(name),
      create,
      sqlMode: String(row?.sql_mode ?? ''),
      collation: String(row?.collation_connection ?? 'utf8mb4_general_ci'),
      client: String(row?.character_set_client ?? 'utf8mb4'),
      databaseCollation: databaseCollation(row),
    });
  }
  return result;
}

/** Events, with the time zone their schedule is read in. */
export async function readEvents(session: MysqlSession, database: string): Promise<SchemaObject[]> {
  const names = await session.query(
    'SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME',
    [database],
  );
  const result: SchemaObject[] = [];
  for (const { name } of names) {
    const [row] = await session.query(
      `SHOW CREATE EVENT ${quoteIdent(database)}.${quoteIdent(String(name))}`,
    );
    result.push({
      kind: 'event',
      name: String(name),
      create: String(row?.['Create Event'] ?? ''),
      sqlMode: String(row?.sql_mode ?? ''),
      collation: String(row?.collation_connection ?? 'utf8mb4_general_ci'),
      client: String(row?.character_set_client ?? 'utf8mb4'),
      databaseCollation: databaseCollation(row),
      timeZone: String(row?.time_zone ?? 'SYSTEM'),
    });
  }
  return result;
}

/** The `Database Collation` column of a SHOW CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT row. */
function databaseCollation(row: Record<string, unknown> | undefined): string | undefined {
  const value = row?.['Database Collation'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Removes `DEFINER=user@host` from a CREATE statement's head (`--no-definer`). */
export function stripDefiner(create: string): string {
  const part = String.raw`(?:\`(?:[^\`]|\`\`)*\`|'(?:[^']|'')*'|[\w.%$-]+)`;
  return create.replace(new RegExp(String.raw`\bDEFINER\s*=\s*${part}(?:@${part})?\s+`, 'i'), '');
}

/**
 * The character_set_client to create an object under. Its text is sent as utf8mb4, so the
 * original client charset is kept only where it reads those bytes the same: utf8mb4 itself,
 * utf8mb3 for text without 4-byte characters, anything ASCII-compatible for ASCII text.
 * Keeping it matters because the server stores it with the object (and dumps show it).
 */
export function clientCharset(object: SchemaObject): string {
  const client = object.client.toLowerCase();
  if (client === 'utf8mb4') return client;
  if (
    /^\p{ASCII}*$/u.test(object.create) &&
    client !== 'ucs2' &&
    !client.startsWith('utf16') &&
    !client.startsWith('utf32')
  )
    return client;
  if ((client === 'utf8' || client === 'utf8mb3') && !/[\u{10000}-\u{10ffff}]/u.test(object.create))
    return client;
  return 'utf8mb4';
}
