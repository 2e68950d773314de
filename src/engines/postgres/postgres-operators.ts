import { commentStatement, ownerStatement, type OwnershipOptions } from './postgres-acl.js';
import { key } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import type { DdlItem } from './postgres-order.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

const PG_OPERATOR = 2617;

interface OperatorRow {
  readonly oid: string;
  readonly qname: string;
  /** regoperator's `schema.op(left,right)`, as ALTER and COMMENT ON OPERATOR take it. */
  readonly signature: string;
  readonly owner: string;
  readonly comment: string | null;
  readonly options: string[];
}

/** `OPERATOR(schema.op)` for the operator whose oid is in `col`, or NULL. */
const OPERATOR = (col: string): string =>
  `(SELECT format('OPERATOR(%I.%s)', rn.nspname, r.oprname) FROM pg_operator r
     JOIN pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = ${col})`;

/**
 * User operators (not extensions', not shells) as CREATE OPERATOR with their function,
 * argument types, commutator, negator, estimators and HASHES/MERGES, then owner and comment.
 * A commutator or negator that does not exist yet is created as a shell by the server and
 * filled in when its own CREATE OPERATOR runs, as in pg_dump: the server records no
 * dependency between the two, so they need no particular order.
 */
export async function operatorItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  const rows = await rowsOf<OperatorRow>(
    client,
    `SELECT x.oid::text AS oid, format('%I.%s', n.nspname, x.oprname) AS qname,
       x.oid::regoperator::text AS signature, quote_ident(pg_get_userbyid(x.oprowner)) AS owner,
       obj_description(x.oid, 'pg_operator') AS comment,
       array_to_json(array_remove(ARRAY[
         'FUNCTION = ' || x.oprcode::regproc::text,
         'LEFTARG = ' || format_type(NULLIF(x.oprleft, 0), NULL),
         'RIGHTARG = ' || format_type(NULLIF(x.oprright, 0), NULL),
         'COMMUTATOR = ' || ${OPERATOR('x.oprcom')},
         'NEGATOR = ' || ${OPERATOR('x.oprnegate')},
         CASE WHEN x.oprcanmerge THEN 'MERGES' END,
         CASE WHEN x.oprcanhash THEN 'HASHES' END,
         'RESTRICT = ' || NULLIF(x.oprrest, 0)::regproc::text,
         'JOIN = ' || NULLIF(x.oprjoin, 0)::regproc::text], NULL)) AS options
     FROM pg_operator x JOIN pg_namespace n ON n.oid = x.oprnamespace
     WHERE x.oprcode <> 0 AND ${USER_NS} AND ${notExtMember('pg_operator', 'x')}
     ORDER BY 3`,
  );
  return rows.map((r) => ({
    key: key(PG_OPERATOR, r.oid),
    priority: 3.5,
    name: r.signature,
    sql: [
      `CREATE OPERATOR ${r.qname} (\n    ${r.options.join(',\n    ')}\n);`,
      ...ownerStatement('OPERATOR', r.signature, r.owner, o),
      ...commentStatement(`OPERATOR ${r.signature}`, r.comment),
    ],
  }));
}
