import type { DumpScope } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import type { TableRow } from './postgres-catalog.js';
import { displayName } from './postgres-sql.js';

/** The name users type for a table: `users` in public, `schema.users` elsewhere. */
export const tableName = (t: Pick<TableRow, 'schema' | 'name'>): string =>
  displayName(t.schema, t.name);

/** True when `given` (as typed in --tables) names `t`: `users`, `public.users`, `app.users`. */
export function namesTable(given: string, t: Pick<TableRow, 'schema' | 'name'>): boolean {
  return given === tableName(t) || given === `${t.schema}.${t.name}`;
}

/** Throws TABLE_NOT_FOUND for the first name that matches none of `tables`. */
export function assertTablesExist(
  wanted: readonly string[],
  tables: readonly Pick<TableRow, 'schema' | 'name'>[],
  where: string,
): void {
  const missing = wanted.find((w) => !tables.some((t) => namesTable(w, t)));
  if (missing === undefined) return;
  const available = tables.map(tableName);
  throw new LifeboatError('TABLE_NOT_FOUND', `table "${missing}" not found in ${where}`, {
    hint: `available tables: ${available.length === 0 ? '(none)' : available.join(', ')}`,
    details: { table: missing, available },
  });
}

/**
 * The oids of the tables a scope selects, or undefined for all. A partitioned table brings its
 * partitions (they hold its rows); excluding one excludes its partitions too.
 */
export function selectTables(
  tables: readonly Pick<TableRow, 'oid' | 'schema' | 'name' | 'qname' | 'bound' | 'parents'>[],
  scope: DumpScope,
  where: string,
): Set<string> | undefined {
  if (scope.tables === undefined && (scope.excludeTables?.length ?? 0) === 0) return undefined;
  assertTablesExist([...(scope.tables ?? []), ...(scope.excludeTables ?? [])], tables, where);
  const byQname = new Map(tables.map((t) => [t.qname, t]));
  const withDescendants = (names: readonly string[]): Set<string> => {
    const out = new Set(
      tables.filter((t) => names.some((n) => namesTable(n, t))).map((t) => t.oid),
    );
    let grew = true;
    while (grew) {
      grew = false;
      for (const t of tables) {
        const parent = t.bound === null ? undefined : byQname.get(t.parents?.[0] ?? '');
        if (parent !== undefined && out.has(parent.oid) && !out.has(t.oid)) {
          out.add(t.oid);
          grew = true;
        }
      }
    }
    return out;
  };
  const included =
    scope.tables === undefined ? new Set(tables.map((t) => t.oid)) : withDescendants(scope.tables);
  for (const oid of withDescendants(scope.excludeTables ?? [])) included.delete(oid);
  return included;
}
