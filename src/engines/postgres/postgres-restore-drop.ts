import type { PgClient } from './postgres-connect.js';
import { rowsOf } from './postgres-connect.js';
import { relDisplay, type RelName } from './postgres-names.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';
import { configCondition } from './postgres-extension-config.js';
import { USER_CASTS } from './postgres-casts.js';
import { USER_LANGUAGES } from './postgres-languages.js';
import { messageOf } from '../../errors/index.js';
import { defaultAclStatements, resetDefaultAclStatements } from './postgres-default-acl.js';
import { lower, pgFields } from './postgres-errors.js';
import { blockers, dropDependents, type SavedStatement } from './postgres-restore-dependents.js';

/**
 * Drops the target's user objects before a full restore, inside the restore's transaction:
 * event triggers first (so none fires on the restore's DDL), publications, foreign servers and
 * data wrappers, casts, languages and access methods (none lives in a schema), extensions (but
 * plpgsql), every user schema but `public` (CASCADE), and the operators, operator families
 * (with their classes), relations, routines, types, collations and text search objects in
 * `public`, every large object, and its default privileges (back to the built-in ones).
 * `public` itself stays: dropping and recreating it would change its identity (pg_init_privs
 * refers to the original), which pg_dump would then report.
 */
export async function dropAll(client: PgClient): Promise<void> {
  const inPublic = (cat: string, col: string): string =>
    `FROM ${cat} x WHERE x.${col} = 'public'::regnamespace AND ${notExtMember(cat, 'x')}`;
  const statements = await rowsOf<{ sql: string }>(
    client,
    `SELECT format('DROP EVENT TRIGGER IF EXISTS %I', evtname) AS sql, 0 AS o FROM pg_event_trigger x
       WHERE ${notExtMember('pg_event_trigger', 'x')}
     UNION ALL SELECT format('DROP PUBLICATION IF EXISTS %I', pubname), 0 FROM pg_publication
     UNION ALL SELECT format('DROP SERVER IF EXISTS %I CASCADE', srvname), 0 FROM pg_foreign_server x
       WHERE ${notExtMember('pg_foreign_server', 'x')}
     UNION ALL SELECT format('DROP FOREIGN DATA WRAPPER IF EXISTS %I CASCADE', fdwname), 0 FROM pg_foreign_data_wrapper x
       WHERE ${notExtMember('pg_foreign_data_wrapper', 'x')}
     UNION ALL SELECT format('DROP CAST IF EXISTS (%s AS %s)', format_type(castsource, NULL), format_type(casttarget, NULL)), 0
       ${USER_CASTS}
     UNION ALL SELECT format('DROP LANGUAGE IF EXISTS %I CASCADE', lanname), 0 ${USER_LANGUAGES}
     UNION ALL SELECT format('DROP ACCESS METHOD IF EXISTS %I CASCADE', amname), 0 FROM pg_am x
       WHERE x.oid >= 16384 AND ${notExtMember('pg_am', 'x')}
     UNION ALL SELECT format('DROP EXTENSION IF EXISTS %I CASCADE', extname), 1 FROM pg_extension
       WHERE extname <> 'plpgsql'
     UNION ALL SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname), 2 FROM pg_namespace n
       WHERE ${USER_NS} AND n.nspname <> 'public' AND ${notExtMember('pg_namespace', 'n')}
     UNION ALL SELECT format('DROP OPERATOR IF EXISTS %s CASCADE', x.oid::regoperator), 3
       ${inPublic('pg_operator', 'oprnamespace')}
     UNION ALL SELECT format('DROP OPERATOR FAMILY IF EXISTS public.%I USING %I CASCADE', x.opfname,
         (SELECT amname FROM pg_am WHERE oid = x.opfmethod)), 3
       ${inPublic('pg_opfamily', 'opfnamespace')}
     UNION ALL SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW'
         WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.relname), 4
       FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     UNION ALL SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure), 5
       FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
     UNION ALL SELECT format('DROP TYPE IF EXISTS public.%I CASCADE', t.typname), 6
       FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('c', 'd', 'e', 'r')
         AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
     UNION ALL SELECT format('DROP COLLATION IF EXISTS public.%I CASCADE', collname), 7
       FROM pg_collation WHERE collnamespace = 'public'::regnamespace
     UNION ALL SELECT format('DROP TEXT SEARCH CONFIGURATION IF EXISTS public.%I CASCADE', x.cfgname), 8
       ${inPublic('pg_ts_config', 'cfgnamespace')}
     UNION ALL SELECT format('DROP TEXT SEARCH DICTIONARY IF EXISTS public.%I CASCADE', x.dictname), 9
       ${inPublic('pg_ts_dict', 'dictnamespace')}
     UNION ALL SELECT format('DROP TEXT SEARCH TEMPLATE IF EXISTS public.%I CASCADE', x.tmplname), 9
       ${inPublic('pg_ts_template', 'tmplnamespace')}
     UNION ALL SELECT format('DROP TEXT SEARCH PARSER IF EXISTS public.%I CASCADE', x.prsname), 9
       ${inPublic('pg_ts_parser', 'prsnamespace')}
     UNION ALL SELECT format('SELECT pg_catalog.lo_unlink(%s)', oid), 10
       FROM pg_catalog.pg_largeobject_metadata
     ORDER BY 2`,
  );
  // One by one, because CASCADE may already have dropped a later one (hence IF EXISTS).
  for (const s of statements) await client.query(s.sql);
  // The target's own default privileges would add grants to every object the restore creates.
  for (const sql of await resetDefaultAclStatements(client)) await client.query(sql);
}

/**
 * Prepares a selective restore: drops the requested tables that exist in the target, after
 * dropping what depends on them and would block the drop: the foreign keys of other tables
 * that point at them, and the views, materialized views and functions over them (see
 * {@link dropDependents}). Returns the statements that put those back at the end, in the same
 * transaction (so the restored rows must still satisfy the foreign keys, and the views must
 * still fit the tables). No CASCADE: anything else that depends on a table (another table's
 * column of its row type, a default using its sequence, a policy reading it) makes the restore
 * fail with the server's list of those objects rather than vanish.
 */
export async function dropTables(
  client: PgClient,
  tables: readonly RelName[],
): Promise<SavedStatement[]> {
  const names = tables.map((t) => `${t.schema}.${t.name}`);
  const found = await rowsOf<{ oid: string; qname: string; condition: string | null }>(
    client,
    `SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS qname, ${configCondition('c')} AS condition
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY($1)`,
    [names],
  );
  const existing = found.filter((e) => e.condition === null);
  const config = found.filter((e) => e.condition !== null);
  const fks = await dropForeignKeysTo(
    client,
    found.map((e) => e.oid),
  );
  await emptyConfigTables(client, config);
  const dependents = await dropDependents(
    client,
    existing.map((e) => e.oid),
  );
  for (const e of existing) {
    try {
      await client.query(`DROP TABLE IF EXISTS ${e.qname}`);
    } catch (err) {
      if (pgFields(err).code !== '2BP01') throw err;
      const detail = pgFields(err).detail ?? lower(messageOf(err));
      throw blockers(`table ${e.qname} is needed by: ${detail.replace(/\n/g, '; ')}`);
    }
  }
  return [...dependents, ...fks];
}

/**
 * Prepares a selective restore of a data-only dump: empties the requested tables, after
 * dropping the foreign keys of other tables that point at them (TRUNCATE refuses otherwise);
 * returns the statements that add those back at the end, checking the restored rows.
 */
export async function truncateTables(
  client: PgClient,
  tables: readonly RelName[],
): Promise<SavedStatement[]> {
  const quoted = tables.map(
    (t) => `"${t.schema.replaceAll('"', '""')}"."${t.name.replaceAll('"', '""')}"`,
  );
  const found = await rowsOf<{ oid: string; qname: string; condition: string | null }>(
    client,
    `SELECT c.oid, q AS qname, ${configCondition('c')} AS condition
     FROM unnest($1::text[]) q JOIN pg_class c ON c.oid = to_regclass(q)`,
    [quoted],
  );
  const fks = await dropForeignKeysTo(
    client,
    found.map((o) => o.oid),
  );
  const config = found.filter((e) => e.condition !== null);
  const user = quoted.filter((q) => !config.some((c) => c.qname === q));
  if (user.length > 0)
    await client.query(`TRUNCATE TABLE ${user.map((q) => `ONLY ${q}`).join(', ')}`);
  await emptyConfigTables(client, config);
  return fks;
}

/**
 * An extension's configuration table is never dropped or truncated (CREATE EXTENSION made it,
 * with rows of the extension's own): only the rows its condition selects, those a dump holds,
 * are deleted before the dump's rows come in.
 */
async function emptyConfigTables(
  client: PgClient,
  tables: readonly { qname: string; condition: string | null }[],
): Promise<void> {
  for (const t of tables) await client.query(`DELETE FROM ONLY ${t.qname} ${t.condition ?? ''}`);
}

/**
 * Drops the target's NOT VALID checks that rows about to be loaded were never held to: those
 * of every user domain, and those of `tables` (`undefined`: every user table; `[]` for a
 * restore that creates its tables again, with their checks after the data). The source's rows may break them, since they were
 * never validated, while COPY checks every row it loads. Returns how to add them back, NOT
 * VALID again and with their comments, at the end of the same transaction: the target ends
 * with the constraints it had, and nothing is scanned.
 */
export async function suspendNotValidChecks(
  client: PgClient,
  tables: readonly RelName[] | undefined,
): Promise<SavedStatement[]> {
  const names = tables?.map((t) => `${t.schema}.${t.name}`) ?? null;
  const checks = await rowsOf<{ drop: string; add: string; comment: string | null; what: string }>(
    client,
    `WITH c AS (
       SELECT co.oid, co.conname,
         CASE WHEN co.contypid <> 0 THEN 'DOMAIN' ELSE 'TABLE' END AS kind,
         CASE WHEN co.contypid <> 0 THEN format_type(co.contypid, NULL) ELSE co.conrelid::regclass::text END AS name
       FROM pg_constraint co
       LEFT JOIN pg_type t ON t.oid = co.contypid
       LEFT JOIN pg_class r ON r.oid = co.conrelid
       JOIN pg_namespace n ON n.oid = COALESCE(t.typnamespace, r.relnamespace)
       WHERE co.contype IN ('c', 'n') AND NOT co.convalidated AND co.conislocal AND ${USER_NS}
         AND (t.oid IS NULL OR ${notExtMember('pg_type', 't')})
         AND (r.oid IS NULL OR ${notExtMember('pg_class', 'r')})
         AND (co.contypid <> 0 OR ($1 AND r.relkind IN ('r', 'p')
              AND ($2::text[] IS NULL OR n.nspname || '.' || r.relname = ANY($2)))))
     SELECT format('ALTER %s %s DROP CONSTRAINT %I', kind, name, conname) AS drop,
       format('ALTER %s %s ADD CONSTRAINT %I %s', kind, name, conname, pg_get_constraintdef(oid)) AS add,
       CASE WHEN obj_description(oid, 'pg_constraint') IS NOT NULL THEN
         format('COMMENT ON CONSTRAINT %I ON %s%s IS %L', conname,
                CASE kind WHEN 'DOMAIN' THEN 'DOMAIN ' ELSE '' END, name,
                obj_description(oid, 'pg_constraint')) END AS comment,
       format('check %s of %s %s', conname, lower(kind), name) AS what
     FROM c ORDER BY kind, name, conname`,
    [tables === undefined || tables.length > 0, names],
  );
  const saved: SavedStatement[] = [];
  for (const c of checks) {
    await client.query(c.drop);
    saved.push({ sql: c.add, what: c.what });
    if (c.comment !== null) saved.push({ sql: c.comment, what: `the comment of ${c.what}` });
  }
  return saved;
}

/** Drops the foreign keys of other tables that point at `oids`; returns how to add them back. */
async function dropForeignKeysTo(
  client: PgClient,
  oids: readonly string[],
): Promise<SavedStatement[]> {
  const fks = await rowsOf<{ drop: string; add: string; qname: string; conname: string }>(
    client,
    `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS add,
       conrelid::regclass::text AS qname, conname
     FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY($1::oid[]) AND NOT conrelid = ANY($1::oid[])`,
    [oids],
  );
  for (const fk of fks) await client.query(fk.drop);
  return fks.map((fk) => ({ sql: fk.add, what: `foreign key ${fk.conname} of ${fk.qname}` }));
}

/** For messages. */
export const listNames = (tables: readonly RelName[]): string =>
  tables.map((t) => `"${relDisplay(t)}"`).join(', ');

/**
 * Clears what a restore replaces, at its first statement (see `RestoreRun`): for a dump with
 * schema, every user object ({@link dropAll}) or the requested tables ({@link dropTables}); for
 * a data-only dump, the requested tables' rows ({@link truncateTables}). NOT VALID constraints
 * the loaded rows were never held to are set aside ({@link suspendNotValidChecks}). Returns
 * what to run again at the end, in the same transaction.
 */
export async function clearTarget(
  client: PgClient,
  mode: 'replace' | 'data',
  requested: readonly RelName[] | undefined,
): Promise<SavedStatement[]> {
  if (mode === 'data') {
    const fks = requested === undefined ? [] : await truncateTables(client, requested);
    return [...fks, ...(await suspendNotValidChecks(client, requested))];
  }
  if (requested === undefined) {
    await dropAll(client);
    return [];
  }
  const saved = await dropTables(client, requested);
  saved.push(...(await suspendNotValidChecks(client, [])));
  // The target's default privileges would add grants to the tables created again: off while
  // the dump runs, put back at the end with the dependents (same transaction).
  const defaults = await defaultAclStatements(client);
  for (const sql of await resetDefaultAclStatements(client)) await client.query(sql);
  for (const sql of defaults) saved.push({ sql, what: 'a default privilege' });
  return saved;
}

/**
 * Whether `text` is `pg_dump --clean --if-exists`'s `ALTER DOMAIN d DROP CONSTRAINT IF EXISTS
 * c` for a domain the target does not have: it fails there (psql reports the error and goes
 * on), and without its domain there is no constraint to drop, so the restore skips it.
 */
export async function dropsFromMissingDomain(client: PgClient, text: string): Promise<boolean> {
  const domain = /^ALTER\s+DOMAIN\s+([\s\S]+?)\s+DROP\s+CONSTRAINT\s+IF\s+EXISTS\s/i.exec(
    text,
  )?.[1];
  if (domain === undefined) return false;
  // format_type qualifies and quotes as pg_dump does under the empty search_path of the session.
  const { rows } = await client.query(
    `SELECT 1 FROM pg_type WHERE typtype = 'd' AND format_type(oid, NULL) = $1`,
    [domain],
  );
  return rows.length === 0;
}
