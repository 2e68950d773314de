import { commentStatement } from './postgres-acl.js';
import { key } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import type { DdlItem } from './postgres-order.js';

const PG_CAST = 2605;

/**
 * User casts: not built in, not an extension's, not made for a type by the server itself.
 * Shared by the dump and by the drop before a full restore.
 */
export const USER_CASTS = `FROM pg_cast x WHERE x.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_depend d
  WHERE d.classid = 'pg_cast'::regclass AND d.objid = x.oid AND d.deptype IN ('e', 'i'))`;

interface CastRow {
  readonly oid: string;
  readonly pair: string;
  readonly method: string;
  readonly context: string;
  readonly func: string | null;
  readonly comment: string | null;
}

const CONTEXT: Readonly<Record<string, string>> = { a: ' AS ASSIGNMENT', i: ' AS IMPLICIT' };

/**
 * User casts as CREATE CAST (WITH FUNCTION, WITHOUT FUNCTION or WITH INOUT; explicit, AS
 * ASSIGNMENT or AS IMPLICIT) with their comment; casts have no owner or grants of their own.
 * They come right after the types and function they need: expressions that use a cast
 * without a function (a binary-coercible one) record no dependency on it, and re-parsing a
 * default, view or function body needs the cast to exist.
 */
export async function castItems(client: PgClient): Promise<DdlItem[]> {
  const rows = await rowsOf<CastRow>(
    client,
    `SELECT x.oid::text AS oid,
       format('(%s AS %s)', format_type(x.castsource, NULL), format_type(x.casttarget, NULL)) AS pair,
       x.castmethod::text AS method, x.castcontext::text AS context,
       CASE WHEN x.castfunc <> 0 THEN x.castfunc::regprocedure::text END AS func,
       obj_description(x.oid, 'pg_cast') AS comment
     ${USER_CASTS} ORDER BY 2`,
  );
  return rows.map((c) => {
    const how =
      c.method === 'f'
        ? `WITH FUNCTION ${c.func ?? ''}`
        : c.method === 'i'
          ? 'WITH INOUT'
          : 'WITHOUT FUNCTION';
    return {
      key: key(PG_CAST, c.oid),
      priority: 2.5,
      name: c.pair,
      sql: [
        `CREATE CAST ${c.pair} ${how}${CONTEXT[c.context] ?? ''};`,
        ...commentStatement(`CAST ${c.pair}`, c.comment),
      ],
    };
  });
}
