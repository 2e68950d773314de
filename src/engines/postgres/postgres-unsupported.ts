import type { DumpScope } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';
import type { PgClient } from './postgres-connect.js';
import { rowsOf } from './postgres-connect.js';
import { CONFIG_ENTRIES } from './postgres-extension-config.js';

/** Schemas that hold no user objects. */
export const USER_NS = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/** True when the object (catalog `cat`, row alias `x`) belongs to an extension. */
export const notExtMember = (cat: string, x: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${cat}'::regclass AND e.objid = ${x}.oid AND e.deptype = 'e')`;

/**
 * Object kinds the native schema dump does not reproduce. Each query returns one `name` per
 * object; any row stops the backup, because an artifact that silently lacks them would restore
 * into a different database.
 */
const LARGE_OBJECTS = [
  'large object',
  `SELECT oid::text AS name FROM pg_largeobject_metadata`,
] as const;

const CHECKS: readonly (readonly [string, string])[] = [
  [
    'foreign table in an inheritance tree or partitioned table',
    `SELECT c.oid::regclass::text AS name FROM pg_class c WHERE c.relkind = 'f' AND ${notExtMember('pg_class', 'c')}
       AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)`,
  ],
  [
    'table in another tablespace or with a non-heap access method',
    `SELECT c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r','p','m') AND ${USER_NS} AND ${notExtMember('pg_class', 'c')}
       AND (c.reltablespace <> 0
            OR (c.relam <> 0 AND c.relam <> (SELECT oid FROM pg_am WHERE amname = 'heap')))`,
  ],
  [
    // Tables' rows and sequences' values are dumped (see postgres-extension-config.ts); views
    // and foreign tables hold no rows here, and pg_dump skips them too. Partitioned tables and
    // materialized views are refused: pg_dump would silently dump none of a partitioned
    // table's rows, and lifeboat does not refresh an extension's materialized view.
    'extension configuration table that is partitioned or a materialized view',
    `SELECT format('%s of extension %I', c.oid::regclass, e.extname) AS name FROM ${CONFIG_ENTRIES}
       WHERE c.relkind NOT IN ('r', 'S', 'v', 'f')
     UNION ALL SELECT format('extension %I (extconfig and extcondition differ in length)', extname)
       FROM pg_extension WHERE cardinality(extconfig) IS DISTINCT FROM cardinality(extcondition)`,
  ],
  [
    'base type',
    `SELECT format('%I.%I', n.nspname, t.typname) AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.typtype IN ('b', 'p') AND t.typelem = 0 AND ${USER_NS} AND ${notExtMember('pg_type', 't')}`,
  ],
  [
    'access method, conversion or transform',
    `SELECT format('access method %I', x.amname) AS name FROM pg_am x
       WHERE x.oid >= 16384 AND ${notExtMember('pg_am', 'x')}
     UNION ALL SELECT format('conversion %I.%I', n.nspname, x.conname)
       FROM pg_conversion x JOIN pg_namespace n ON n.oid = x.connamespace
       WHERE ${USER_NS} AND ${notExtMember('pg_conversion', 'x')}
     UNION ALL SELECT format('transform for %s', format_type(x.trftype, NULL)) FROM pg_transform x
       WHERE x.oid >= 16384 AND ${notExtMember('pg_transform', 'x')}`,
  ],
  ['security label', `SELECT objoid::text AS name FROM pg_seclabel`],
];

/**
 * Stops a backup that would silently lack objects (ENGINE_UNSUPPORTED with their list). The
 * native dump backs up large objects itself (see `postgres-large-objects.ts`); with the schema
 * from pg_dump (`viaPgDump`) they are refused, because lifeboat's large-object statements and
 * a newer pg_dump's own large-object metadata would both create them.
 */
export async function refuseUnsupported(
  client: PgClient,
  display: string,
  scope: DumpScope,
  viaPgDump: boolean,
): Promise<void> {
  const native = scope.schema && !viaPgDump;
  const wholeData = scope.data && scope.tables === undefined;
  const checks = [...(native ? CHECKS : []), ...(viaPgDump && wholeData ? [LARGE_OBJECTS] : [])];
  if (checks.length === 0) return;
  const found = await unsupportedObjects(client, checks);
  if (found.length === 0) return;
  const onlyLargeObjects = found.every((f) => f.startsWith(`${LARGE_OBJECTS[0]} `));
  throw new LifeboatError(
    'ENGINE_UNSUPPORTED',
    `lifeboat cannot reproduce ${found.length} object(s) of "${display}": ${found.slice(0, 20).join('; ')}${found.length > 20 ? '; …' : ''}`,
    {
      hint: onlyLargeObjects
        ? "large objects are backed up with lifeboat's own schema dump: leave out --schema-via pg_dump"
        : 'back up with --schema-via pg_dump (needs pg_dump on PATH) to take the schema from pg_dump; lifeboat still dumps the data',
      details: { objects: found },
    },
  );
}

/** `kind: name` for every object the native dump cannot reproduce (empty when all is fine). */
export async function unsupportedObjects(
  client: PgClient,
  checks: readonly (readonly [string, string])[] = CHECKS,
): Promise<string[]> {
  const found: string[] = [];
  for (const [kind, sql] of checks) {
    for (const row of await rowsOf<{ name: string }>(client, sql))
      found.push(`${kind} ${row.name}`);
  }
  return found;
}
