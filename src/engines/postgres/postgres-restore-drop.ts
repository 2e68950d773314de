import type { PgClient } from './postgres-connect.js';
import { rowsOf } from './postgres-connect.js';
import { relDisplay, type RelName } from './postgres-names.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

/**
 * Drops the target's user objects before a full restore, inside the restore's transaction:
 * extensions (but plpgsql), every user schema but `public` (CASCADE), and the relations, types
 * and routines in `public`. `public` itself stays: dropping and recreating it would change
 * its identity (pg_init_privs refers to the original), which pg_dump would then report.
 */
export async function dropAll(client: PgClient): Promise<void> {
  const statements = await rowsOf<{ sql: string }>(
    client,
    `SELECT format('DROP EXTENSION IF EXISTS %I CASCADE', extname) AS sql, 1 AS o FROM pg_extension
       WHERE extname <> 'plpgsql'
     UNION ALL SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname), 2 FROM pg_namespace n
       WHERE ${USER_NS} AND n.nspname <> 'public' AND ${notExtMember('pg_namespace', 'n')}
     UNION ALL SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW'
         WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.relname), 3
       FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     UNION ALL SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure), 4
       FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
     UNION ALL SELECT format('DROP TYPE IF EXISTS public.%I CASCADE', t.typname), 5
       FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('c', 'd', 'e', 'r')
         AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
     UNION ALL SELECT format('DROP COLLATION IF EXISTS public.%I CASCADE', collname), 6
       FROM pg_collation WHERE collnamespace = 'public'::regnamespace
     ORDER BY 2`,
  );
  // One by one, because CASCADE may already have dropped a later one (hence IF EXISTS).
  for (const s of statements) await client.query(s.sql);
}

/** A foreign key of a table that stays, pointing at a table a selective restore replaces. */
export interface SavedForeignKey {
  readonly sql: string;
}

/**
 * Prepares a selective restore: drops the requested tables that exist in the target, after
 * dropping (and returning, to add back at the end) the foreign keys of other tables that point
 * at them. No CASCADE: a view over a replaced table makes the restore fail rather than vanish.
 */
export async function dropTables(
  client: PgClient,
  tables: readonly RelName[],
): Promise<SavedForeignKey[]> {
  const names = tables.map((t) => `${t.schema}.${t.name}`);
  const existing = await rowsOf<{ oid: string; qname: string }>(
    client,
    `SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS qname FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY($1)`,
    [names],
  );
  const oids = existing.map((e) => e.oid);
  const fks = await rowsOf<{ drop: string; add: string }>(
    client,
    `SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop,
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS add
     FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY($1::oid[]) AND NOT conrelid = ANY($1::oid[])`,
    [oids],
  );
  for (const fk of fks) await client.query(fk.drop);
  for (const e of existing) await client.query(`DROP TABLE IF EXISTS ${e.qname}`);
  return fks.map((fk) => ({ sql: fk.add }));
}

/** For messages. */
export const listNames = (tables: readonly RelName[]): string =>
  tables.map((t) => `"${relDisplay(t)}"`).join(', ');
