import { LifeboatError, messageOf } from '../../errors/index.js';
import { commentStatement, type OwnershipOptions } from './postgres-acl.js';
import { readFunctions, readViews } from './postgres-catalog.js';
import { readPostData } from './postgres-catalog-post.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import { functionDdl, viewDdl } from './postgres-ddl.js';
import { lower, pgFields } from './postgres-errors.js';
import { dependencyOrder } from './postgres-order.js';
import { HINT } from './postgres-restore-errors.js';

/** A statement to run after the replaced tables are back, with what it recreates, for messages. */
export interface SavedStatement {
  readonly sql: string;
  readonly what: string;
}

/** The target's own owners and grants are what the recreated objects get back. */
const KEEP: OwnershipOptions = { noOwner: false, noPrivileges: false };

interface Node {
  readonly key: string;
  readonly priority: number;
  readonly name: string;
  readonly drop: string;
  readonly create: string[];
  readonly what: string;
  /** A materialized view that held rows: refreshed once everything is back. */
  readonly refresh: boolean;
}

/**
 * Drops the views, materialized views and functions (SQL-standard bodies, or a table's row type
 * in their signature) that depend, directly or through each other, on the tables a selective
 * restore replaces — `rels` and what goes with them: partitions, owned sequences, row types —
 * and returns the statements that recreate them from the target's own definitions, in
 * dependency order, with their owners, comments, grants, indexes, triggers, rules (the replaced
 * tables' own too) and, when they were populated, a refresh. Run after the tables are back, in
 * the same transaction: a dependent that no longer fits the restored tables fails the restore
 * rather than disappearing.
 */
export async function dropDependents(
  client: PgClient,
  rels: readonly string[],
): Promise<SavedStatement[]> {
  if (rels.length === 0) return [];
  return withEmptySearchPath(client, async () => {
    const { rootKeys, found, needs } = await findDependents(client, rels);
    // Rules (other than a view's own query) go with their relation, with their comments: a
    // selective restore runs none of the dump's, so the target's own come back.
    const rules = await rowsOf<{
      create: string;
      enable: string | null;
      comment: string | null;
      rel: string;
      what: string;
    }>(
      client,
      `SELECT pg_get_ruledef(r.oid) AS create, r.ev_class::regclass::text AS rel,
         CASE r.ev_enabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'A' THEN 'ENABLE ALWAYS' END
           || format(' RULE %I', r.rulename) AS enable,
         CASE WHEN obj_description(r.oid, 'pg_rewrite') IS NOT NULL THEN
           format('COMMENT ON RULE %I ON %s IS %L;', r.rulename, r.ev_class::regclass,
                  obj_description(r.oid, 'pg_rewrite')) END AS comment,
         format('rule %I on %s', r.rulename, r.ev_class::regclass) AS what
       FROM pg_rewrite r WHERE r.ev_class = ANY($1::oid[]) AND r.rulename <> '_RETURN'
       ORDER BY r.ev_class, r.rulename`,
      [[...rootKeys, ...found].filter((k) => k.startsWith('r:')).map((k) => k.slice(2))],
    );
    const ruleStatements = rules.flatMap((r) => [
      { sql: r.create, what: r.what },
      ...(r.enable === null ? [] : [{ sql: `ALTER TABLE ${r.rel} ${r.enable};`, what: r.what }]),
      ...(r.comment === null ? [] : [{ sql: r.comment, what: r.what }]),
    ]);
    if (found.size === 0) return ruleStatements;
    const nodes = await describe(client, found);
    const { ordered } = dependencyOrder(nodes, needs);
    // Their rules are part of `describe`'s statements already.
    const post = (await readPostData(client)).filter(
      (p) => found.has(`r:${p.rel}`) && p.kind !== 'rule',
    );
    for (const n of [...ordered].reverse()) {
      try {
        await client.query(n.drop);
      } catch (err) {
        throw blocked(n.what, err);
      }
    }
    const whatOf = (rel: string): string =>
      nodes.find((n) => n.key === `r:${rel}`)?.what ?? `relation ${rel}`;
    return [
      ...ordered.flatMap((n) => n.create.map((sql) => ({ sql, what: n.what }))),
      ...post.flatMap((p) =>
        [
          p.sql,
          ...(p.owner === null ? [] : [p.owner]),
          ...(p.comment === null ? [] : commentStatement(p.commentTarget, p.comment)),
          ...(p.extra === null ? [] : [p.extra]),
        ].map((sql) => ({ sql, what: whatOf(p.rel) })),
      ),
      ...ruleStatements,
      ...ordered.flatMap((n) =>
        n.refresh ? [{ sql: `REFRESH MATERIALIZED VIEW ${n.name};`, what: n.what }] : [],
      ),
    ];
  });
}

/**
 * The relations that go away with `rels` (partitions, owned sequences) as `r:<oid>` keys, and
 * the views and functions that depend on them, directly or through each other, with what each
 * of those needs.
 */
async function findDependents(
  client: PgClient,
  rels: readonly string[],
): Promise<{
  rootKeys: Set<string>;
  found: Set<string>;
  needs: Map<string, Set<string>>;
}> {
  const roots = await rowsOf<{ oid: string }>(
    client,
    `WITH RECURSIVE r(oid) AS (SELECT unnest($1::oid[])
       UNION SELECT i.inhrelid FROM pg_inherits i JOIN r ON i.inhparent = r.oid
         JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition)
     SELECT oid FROM r
     UNION SELECT d.objid FROM pg_depend d JOIN r ON d.refobjid = r.oid
       WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
         AND d.deptype IN ('a', 'i') AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'S'`,
    [rels],
  );
  const needs = new Map<string, Set<string>>();
  const dependents = new Map<string, string[]>();
  for (const e of await readEdges(client)) {
    needs.set(e.from, (needs.get(e.from) ?? new Set()).add(e.to));
    dependents.set(e.to, [...(dependents.get(e.to) ?? []), e.from]);
  }
  const rootKeys = new Set(roots.map((r) => `r:${r.oid}`));
  const found = new Set<string>();
  const stack = [...rootKeys];
  while (stack.length > 0) {
    for (const d of dependents.get(stack.pop() as string) ?? []) {
      if (rootKeys.has(d) || found.has(d)) continue;
      found.add(d);
      stack.push(d);
    }
  }
  return { rootKeys, found, needs };
}

/**
 * Normal dependencies of views (through their `_RETURN` rule) and functions on relations,
 * functions and row types, as `r:<relation oid>` / `f:<function oid>` keys: a row type or an
 * array of one counts as its relation.
 */
function readEdges(client: PgClient): Promise<{ from: string; to: string }[]> {
  return rowsOf(
    client,
    `SELECT DISTINCT * FROM (
       SELECT CASE WHEN d.classid = 'pg_rewrite'::regclass THEN 'r:' || r.ev_class ELSE 'f:' || d.objid END AS "from",
         CASE d.refclassid WHEN 'pg_class'::regclass THEN 'r:' || d.refobjid
           WHEN 'pg_proc'::regclass THEN 'f:' || d.refobjid
           ELSE (SELECT 'r:' || coalesce(NULLIF(t.typrelid, 0), e.typrelid) FROM pg_type t
                   LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
                   WHERE t.oid = d.refobjid AND coalesce(NULLIF(t.typrelid, 0), e.typrelid) <> 0) END AS "to"
       FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
       WHERE d.deptype = 'n' AND d.objid >= 16384 AND d.refobjid >= 16384
         AND ((d.classid = 'pg_rewrite'::regclass AND r.rulename = '_RETURN') OR d.classid = 'pg_proc'::regclass)
         AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass)
     ) x WHERE "to" IS NOT NULL AND "from" <> "to"`,
  );
}

/** The drop and create statements of the dependents, from the target's catalogs. */
async function describe(client: PgClient, found: ReadonlySet<string>): Promise<Node[]> {
  const views = (await readViews(client)).filter((v) => found.has(`r:${v.oid}`));
  const functions = (await readFunctions(client)).filter((f) => found.has(`f:${f.oid}`));
  const nodes: Node[] = [
    ...views.map((v) => {
      const kind = v.relkind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
      return {
        key: `r:${v.oid}`,
        priority: 0,
        name: v.qname,
        drop: `DROP ${kind} ${v.qname}`,
        create: viewDdl(v, KEEP),
        what: `${kind.toLowerCase()} ${v.qname}`,
        refresh: v.relkind === 'm' && v.populated,
      };
    }),
    ...functions.map((f) => ({
      key: `f:${f.oid}`,
      priority: 0,
      name: f.signature,
      drop: `DROP ${f.kind} ${f.signature}`,
      create: functionDdl(f, KEEP),
      what: `${f.kind.toLowerCase()} ${f.signature}`,
      refresh: false,
    })),
  ];
  const missing = [...found].filter((k) => !nodes.some((n) => n.key === k));
  if (missing.length > 0) {
    // Dependents of other kinds (an extension's function, a relation that is not a view) would
    // be lost: name them instead.
    const names = await rowsOf<{ name: string }>(
      client,
      `SELECT pg_describe_object(CASE WHEN k LIKE 'r:%' THEN 'pg_class'::regclass ELSE 'pg_proc'::regclass END,
         substr(k, 3)::oid, 0) AS name FROM unnest($1::text[]) k`,
      [missing],
    );
    throw blockers(names.map((n) => n.name).join(', '));
  }
  return nodes;
}

/** Runs `body` with an empty search path, so the catalogs print every name schema-qualified. */
async function withEmptySearchPath<T>(client: PgClient, body: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ path: string }>(
    `SELECT current_setting('search_path') AS path, set_config('search_path', '', false)`,
  );
  try {
    return await body();
  } finally {
    await client.query(`SELECT set_config('search_path', $1, false)`, [rows[0]?.path ?? '']);
  }
}

/** RESTORE_FAILED naming objects a selective restore cannot drop and recreate. */
export function blockers(list: string): LifeboatError {
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed: the tables to replace have dependent objects lifeboat does not recreate: ${list}`,
    {
      hint:
        `${HINT}; lifeboat recreates dependent views, materialized views and functions itself — ` +
        'add the tables those objects belong to to --tables, drop the objects first and recreate ' +
        'them afterwards, or do a full restore',
    },
  );
}

/** A dependent whose drop the server refused (a trigger or default uses it, …). */
function blocked(what: string, err: unknown): LifeboatError {
  const detail = pgFields(err).detail;
  return blockers(
    `${what} (${lower(messageOf(err))}${detail ? `: ${detail.replace(/\n/g, '; ')}` : ''})`,
  );
}

/**
 * Runs the saved statements; one that fails names the object it was recreating. Deferred
 * constraint checks of the loaded rows run first: ALTER TABLE refuses a table with pending
 * trigger events, and they would run at the commit anyway.
 */
export async function recreate(client: PgClient, saved: readonly SavedStatement[]): Promise<void> {
  if (saved.length === 0) return;
  try {
    await client.query('SET CONSTRAINTS ALL IMMEDIATE');
  } catch (err) {
    const detail = pgFields(err).detail;
    throw new LifeboatError(
      'RESTORE_FAILED',
      `restore failed: the restored rows break a deferred constraint: ${lower(messageOf(err))}`,
      {
        hint: `${HINT}${detail ? `; ${detail}` : ''}`,
        cause: err,
        details: { sqlstate: pgFields(err).code },
      },
    );
  }
  for (const s of saved) {
    try {
      await client.query(s.sql);
    } catch (err) {
      const detail = pgFields(err).detail;
      throw new LifeboatError(
        'RESTORE_FAILED',
        `restore failed: cannot recreate ${s.what} over the restored tables: ${lower(messageOf(err))}`,
        {
          hint:
            `${HINT}; ${s.what} was dropped to replace the tables it depends on and no longer ` +
            `fits them — change or drop it, or do a full restore${detail ? `; ${detail}` : ''}`,
          cause: err,
          details: {
            statement: s.sql.replace(/\s+/g, ' ').slice(0, 80),
            sqlstate: pgFields(err).code,
          },
        },
      );
    }
  }
}
