import { quoteIdent, type MysqlSession } from './mysql-connect.js';
import { quoteString } from './mysql-literals.js';
import {
  clientCharset,
  readEvents,
  readRoutines,
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
  const existing = (await readTables(session, target)).map((t) => t.name);
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
  } catch (err) {
    // Put the old tables back; the incoming ones return to the scratch database, dropped later.
    await session.query(`USE ${quoteIdent(target)}`).catch(() => undefined);
    const current = new Set((await readTables(session, target)).map((t) => t.name));
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
 * scratch or old database) at the table of the same name in the target, keeping columns and
 * actions. FOREIGN_KEY_CHECKS is off, so the server does not re-check the rows.
 */
export async function repointForeignKeys(
  session: MysqlSession,
  target: string,
  away: readonly string[],
): Promise<void> {
  const rows = await session.query(
    `SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col,
            k.REFERENCED_TABLE_NAME AS ref, k.REFERENCED_COLUMN_NAME AS refCol,
            r.UPDATE_RULE AS onUpdate, r.DELETE_RULE AS onDelete
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME
        AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_SCHEMA IN (${away.map(() => '?').join(', ')})
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [target, ...away],
  );
  const keys = new Map<
    string,
    { tbl: string; name: string; ref: string; cols: string[]; refCols: string[]; rules: string }
  >();
  for (const r of rows) {
    const id = `${String(r.tbl)}\0${String(r.name)}`;
    const key = keys.get(id) ?? {
      tbl: String(r.tbl),
      name: String(r.name),
      ref: String(r.ref),
      cols: [],
      refCols: [],
      rules: `ON DELETE ${String(r.onDelete)} ON UPDATE ${String(r.onUpdate)}`,
    };
    key.cols.push(quoteIdent(String(r.col)));
    key.refCols.push(quoteIdent(String(r.refCol)));
    keys.set(id, key);
  }
  await session.query('SET FOREIGN_KEY_CHECKS = 0');
  for (const k of keys.values()) {
    await session.query(`ALTER TABLE ${q(target, k.tbl)} DROP FOREIGN KEY ${quoteIdent(k.name)}`);
    await session.query(
      `ALTER TABLE ${q(target, k.tbl)} ADD CONSTRAINT ${quoteIdent(k.name)} FOREIGN KEY (${k.cols.join(', ')}) REFERENCES ${q(target, k.ref)} (${k.refCols.join(', ')}) ${k.rules}`,
    );
  }
}
