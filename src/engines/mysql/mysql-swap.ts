import { quoteIdent, type MysqlSession } from './mysql-connect.js';
import { quoteString } from './mysql-literals.js';
import {
  clientCharset,
  databaseClause,
  readDatabaseDefaults,
  readEvents,
  readRoutines,
  readSequences,
  readTables,
  readTriggers,
  readViews,
  type SchemaObject,
} from './mysql-objects.js';

/** What the swap moves. */
export interface SwapPlan {
  readonly target: string;
  readonly scratch: string;
  /** Holds the target's replaced tables until the swap has succeeded. */
  readonly old: string;
  /** Tables moved from the scratch database into the target. */
  readonly incoming: readonly string[];
  /** True when every user object of the target is replaced (a full restore). */
  readonly replaceAll: boolean;
  /** Statements (SETs and object DDL, latin1-encoded bytes) to run in the target after the tables are in place. */
  readonly replay: readonly string[];
}

/**
 * Swaps the loaded tables into the target with one multi-table `RENAME TABLE`, which the
 * server performs atomically: readers see either all old tables or all new ones.
 *
 * A table with triggers cannot be renamed into another database, so the target's triggers
 * on the outgoing tables are dropped just before the rename (and recreated if it fails).
 * Views, triggers, routines and events of the dump are then created in the target from the
 * recorded statements: between the rename and that replay (milliseconds) the new tables have
 * no triggers. Foreign keys follow a renamed parent into the other database, so those that
 * now point into lifeboat's scratch or old databases are pointed back at the target.
 * If anything after the rename fails, the rename is reversed and the old objects recreated.
 */
export async function swapIn(session: MysqlSession, plan: SwapPlan): Promise<void> {
  const { target, scratch, old } = plan;
  const existing = [
    ...(await readTables(session, target)).map((t) => t.name),
    ...(await readSequences(session, target)),
  ];
  const incoming = new Set(plan.incoming);
  const outgoing = plan.replaceAll ? existing : existing.filter((t) => incoming.has(t));
  const out = new Set(outgoing);
  const triggers = (await readTriggers(session, target)).filter((t) => out.has(t.table ?? ''));
  const others = plan.replaceAll
    ? [
        ...(await readViews(session, target)).map((v) => v.object),
        ...(await readRoutines(session, target)),
        ...(await readEvents(session, target)),
      ]
    : [];
  // The replay may set the database's defaults (ALTER DATABASE): a failed swap puts them back.
  const defaults = await readDatabaseDefaults(session, target);
  for (const t of triggers) await session.query(`DROP TRIGGER ${q(target, t.name)}`);
  const renames = [
    ...outgoing.map((t) => `${q(target, t)} TO ${q(old, t)}`),
    ...plan.incoming.map((t) => `${q(scratch, t)} TO ${q(target, t)}`),
  ];
  try {
    if (renames.length > 0) await session.query(`RENAME TABLE ${renames.join(', ')}`);
  } catch (err) {
    await recreate(session, target, triggers);
    throw err;
  }
  try {
    await session.query(`USE ${quoteIdent(target)}`);
    for (const o of others)
      await session.query(`DROP ${o.kind.toUpperCase()} IF EXISTS ${q(target, o.name)}`);
    await session.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const statement of plan.replay) await session.queryRaw(statement).catch(ignoreEmpty);
    await repointForeignKeys(session, target, [scratch, old]);
    await repointSequenceDefaults(session, target, [scratch, old]);
  } catch (err) {
    // Put the old tables back; the incoming ones return to the scratch database, dropped later.
    await session.query(`USE ${quoteIdent(target)}`).catch(() => undefined);
    if (defaults !== undefined)
      await session.query(`ALTER DATABASE ${quoteIdent(target)} ${databaseClause(defaults, true)}`);
    const current = new Set([
      ...(await readTables(session, target)).map((t) => t.name),
      ...(await readSequences(session, target)),
    ]);
    for (const t of await readTriggers(session, target)) {
      await session.query(`DROP TRIGGER IF EXISTS ${q(target, t.name)}`).catch(() => undefined);
    }
    const back = [
      ...plan.incoming
        .filter((t) => current.has(t))
        .map((t) => `${q(target, t)} TO ${q(scratch, t)}`),
      ...outgoing.map((t) => `${q(old, t)} TO ${q(target, t)}`),
    ];
    if (back.length > 0) await session.query(`RENAME TABLE ${back.join(', ')}`);
    await repointForeignKeys(session, target, [scratch, old]);
    await repointSequenceDefaults(session, target, [scratch, old]);
    await recreate(session, target, [...others, ...triggers]);
    throw err;
  }
}

function q(database: string, name: string): string {
  return `${quoteIdent(database)}.${quoteIdent(name)}`;
}

function ignoreEmpty(err: unknown): void {
  if ((err as { code?: string }).code !== 'ER_EMPTY_QUERY') throw err;
}

/** Creates objects read with SHOW CREATE again, each under its own settings. */
async function recreate(
  session: MysqlSession,
  target: string,
  objects: readonly SchemaObject[],
): Promise<void> {
  await session.query(`USE ${quoteIdent(target)}`);
  for (const o of objects) {
    await session.query(`DROP ${o.kind.toUpperCase()} IF EXISTS ${q(target, o.name)}`);
    await session.query(
      `SET character_set_client = ${clientCharset(o)}, sql_mode = ${quoteString(o.sqlMode)}, collation_connection = ${quoteString(o.collation)}${o.timeZone ? `, time_zone = ${quoteString(o.timeZone)}` : ''}`,
    );
    await session.query(o.create);
  }
  await session.query("SET sql_mode = '', time_zone = '+00:00', NAMES utf8mb4");
}

/**
 * Points foreign keys of the target's tables that reference a table in one of `away` (the
 * scratch or old database) at the table of the same name in the target. The constraint is
 * re-added from its own `SHOW CREATE TABLE` clause with only the database taken out, so its
 * columns and actions read exactly as before. FOREIGN_KEY_CHECKS is off, so the server does
 * not re-check the rows.
 */
export async function repointForeignKeys(
  session: MysqlSession,
  target: string,
  away: readonly string[],
): Promise<void> {
  const rows = await session.query(
    `SELECT DISTINCT TABLE_NAME AS tbl FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_SCHEMA IN (${away.map(() => '?').join(', ')})
      ORDER BY TABLE_NAME`,
    [target, ...away],
  );
  const pattern = new RegExp(String.raw`REFERENCES (?:${away.map(regexIdent).join('|')})\.`);
  // KEEP: ALTER TABLE of a system-versioned table is refused otherwise; history stays as it is.
  await session.query('SET FOREIGN_KEY_CHECKS = 0, system_versioning_alter_history = KEEP');
  for (const { tbl } of rows) {
    const [create] = await session.query(`SHOW CREATE TABLE ${q(target, String(tbl))}`);
    for (const m of String(create?.['Create Table'] ?? '').matchAll(FOREIGN_KEY)) {
      if (!pattern.test(m[0])) continue;
      const clause = m[0].trim().replace(pattern, 'REFERENCES ');
      // Two statements: one ALTER cannot drop and add a constraint of the same name.
      await session.query(`ALTER TABLE ${q(target, String(tbl))} DROP FOREIGN KEY ${m[1]}`);
      await session.query(`ALTER TABLE ${q(target, String(tbl))} ADD ${clause}`);
    }
  }
}

/** A backquoted identifier of SHOW CREATE TABLE; it may hold line breaks. */
const IDENT = '`(?:[^`]|``)+`';
const IDENTS = String.raw`\(${IDENT}(?:, ${IDENT})*\)`;
/**
 * A foreign key clause of SHOW CREATE TABLE, which starts a line; [1] is its name. Matched
 * whole rather than line by line, as a table or column name may hold a line break.
 */
const FOREIGN_KEY = new RegExp(
  String.raw`^  CONSTRAINT (${IDENT}) FOREIGN KEY ${IDENTS} REFERENCES (?:${IDENT}\.)?${IDENT} ${IDENTS}` +
    String.raw`(?: ON (?:DELETE|UPDATE) (?:RESTRICT|CASCADE|SET NULL|SET DEFAULT|NO ACTION))*`,
  'gm',
);

/** A quoted identifier as a regular expression that matches it literally. */
function regexIdent(name: string): string {
  return quoteIdent(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Points column defaults that draw from a sequence in one of `away` (`DEFAULT NEXTVAL(s)`
 * keeps the database it was created in, across RENAME TABLE) at the target's sequence of the
 * same name.
 */
export async function repointSequenceDefaults(
  session: MysqlSession,
  target: string,
  away: readonly string[],
): Promise<void> {
  const rows = await session.query(
    `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS col, COLUMN_DEFAULT AS def
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND COLUMN_DEFAULT LIKE '%val(%'`,
    [target],
  );
  const pattern = new RegExp(
    String.raw`\b(nextval|lastval|setval)\((?:${away.map(regexIdent).join('|')})\.`,
    'gi',
  );
  for (const r of rows) {
    const def = String(r.def ?? '');
    const fixed = def.replace(pattern, `$1(${quoteIdent(target).replace(/\$/g, '$$$$')}.`);
    if (fixed === def) continue;
    await session.query('SET system_versioning_alter_history = KEEP');
    await session.query(
      `ALTER TABLE ${q(target, String(r.tbl))} ALTER COLUMN ${quoteIdent(String(r.col))} SET DEFAULT (${fixed})`,
    );
  }
}
