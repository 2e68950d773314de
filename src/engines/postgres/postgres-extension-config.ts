import { rowsOf, type PgClient } from './postgres-connect.js';
import { COLUMNS_JSON } from './postgres-tables.js';

/**
 * An extension's configuration relation (`pg_extension.extconfig`, set by the extension's
 * script through `pg_extension_config_dump()`): CREATE EXTENSION creates it, so its definition
 * is never dumped, but the rows its condition selects (users' rows) are, and a sequence's value.
 */
export interface ConfigRelation {
  readonly oid: string;
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  /** Tables and sequences; other kinds are refused (see postgres-unsupported.ts). */
  readonly relkind: 'r' | 'S';
  /** `extcondition`'s entry, `WHERE …` or empty for every row, appended as pg_dump does. */
  readonly condition: string;
  readonly estimate: string;
  readonly columns: { name: string; generated: string }[];
}

/**
 * Configuration entries of every extension (`x.rel`, `x.cond`): one row per entry. `unnest` pads the shorter array with NULLs; the refusal check stops a
 * dump whose arrays differ in length, as pg_dump stops.
 */
const UNNESTED = `pg_catalog.pg_extension e
  CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(rel, cond)`;

/** {@link UNNESTED} with each entry's relation as `c`. */
export const CONFIG_ENTRIES = `${UNNESTED} JOIN pg_catalog.pg_class c ON c.oid = x.rel`;

/** `COALESCE`d condition of relation `c` when it is a configuration table, else NULL. */
export const configCondition = (c: string): string =>
  `(SELECT COALESCE(x.cond, '') FROM ${UNNESTED} WHERE x.rel = ${c}.oid LIMIT 1)`;

/** The configuration tables and sequences of all extensions, in name order. */
export function readConfigRelations(client: PgClient): Promise<ConfigRelation[]> {
  return rowsOf(
    client,
    `SELECT c.oid, n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname,
       c.relkind, COALESCE(x.cond, '') AS condition, GREATEST(c.reltuples, 0)::bigint::text AS estimate,
       ${COLUMNS_JSON('c')} AS columns
     FROM ${CONFIG_ENTRIES} JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'S')
     ORDER BY n.nspname, c.relname`,
  );
}

/**
 * Foreign keys with a configuration table on either side, as `rel` needs `ref`: the rows of a
 * referenced table load first, as pg_dump orders them. Configuration tables keep their foreign
 * keys through a restore (CREATE EXTENSION makes them), so this order is needed, not only kind.
 */
export function configForeignKeys(
  client: PgClient,
  oids: readonly string[],
): Promise<{ rel: string; ref: string }[]> {
  return rowsOf(
    client,
    `SELECT conrelid::text AS rel, confrelid::text AS ref FROM pg_catalog.pg_constraint
     WHERE contype = 'f' AND conrelid <> confrelid
       AND (conrelid = ANY($1::oid[]) OR confrelid = ANY($1::oid[]))`,
    [oids],
  );
}
