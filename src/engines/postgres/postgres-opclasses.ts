import { commentStatement, ownerStatement, type OwnershipOptions } from './postgres-acl.js';
import { key } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import type { DdlItem } from './postgres-order.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

const PG_OPCLASS = 2616;
const PG_OPFAMILY = 2753;

interface OpRow {
  readonly oid: string;
  readonly catalog: number;
  readonly kind: 'CLASS' | 'FAMILY';
  /** `schema.name USING method`, as ALTER and COMMENT ON OPERATOR CLASS/FAMILY take it. */
  readonly target: string;
  readonly create: string;
  readonly members: string[] | null;
  readonly owner: string;
  readonly comment: string | null;
}

/**
 * The operators and support functions of a family that belong to `ref` (an operator class, or
 * the family itself for its loose members), as the items of CREATE OPERATOR CLASS … AS and
 * ALTER OPERATOR FAMILY … ADD: pg_depend says which is whose.
 */
const MEMBERS = (
  family: string,
  refclass: string,
  ref: string,
): string => `(SELECT json_agg(m.item ORDER BY m.o, m.n)
  FROM (SELECT 1 AS o, ao.amopstrategy AS n,
          format('OPERATOR %s %s%s', ao.amopstrategy, ao.amopopr::regoperator::text,
            CASE WHEN ao.amoppurpose = 'o' THEN (SELECT format(' FOR ORDER BY %I.%I', sn.nspname, sf.opfname)
              FROM pg_opfamily sf JOIN pg_namespace sn ON sn.oid = sf.opfnamespace WHERE sf.oid = ao.amopsortfamily)
              ELSE '' END) AS item
        FROM pg_amop ao WHERE ao.amopfamily = ${family} AND EXISTS (SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_amop'::regclass AND d.objid = ao.oid AND d.refclassid = '${refclass}'::regclass
            AND d.refobjid = ${ref})
        UNION ALL
        SELECT 2, ap.amprocnum, format('FUNCTION %s (%s, %s) %s', ap.amprocnum, format_type(ap.amproclefttype, NULL),
          format_type(ap.amprocrighttype, NULL), ap.amproc::regprocedure::text)
        FROM pg_amproc ap WHERE ap.amprocfamily = ${family} AND EXISTS (SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_amproc'::regclass AND d.objid = ap.oid AND d.refclassid = '${refclass}'::regclass
            AND d.refobjid = ${ref})) m)`;

const READ = `
SELECT f.oid::text AS oid, ${PG_OPFAMILY} AS catalog, 'FAMILY' AS kind,
  format('%I.%I USING %I', n.nspname, f.opfname, am.amname) AS target,
  format('CREATE OPERATOR FAMILY %I.%I USING %I;', n.nspname, f.opfname, am.amname) AS create,
  ${MEMBERS('f.oid', 'pg_opfamily', 'f.oid')}::jsonb AS members,
  quote_ident(pg_get_userbyid(f.opfowner)) AS owner, obj_description(f.oid, 'pg_opfamily') AS comment
FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod
WHERE ${USER_NS} AND ${notExtMember('pg_opfamily', 'f')}
UNION ALL
SELECT c.oid::text, ${PG_OPCLASS}, 'CLASS', format('%I.%I USING %I', n.nspname, c.opcname, am.amname),
  format('CREATE OPERATOR CLASS %I.%I%s FOR TYPE %s USING %I%s AS', n.nspname, c.opcname,
    CASE WHEN c.opcdefault THEN ' DEFAULT' ELSE '' END, format_type(c.opcintype, NULL), am.amname,
    (SELECT format(' FAMILY %I.%I', fn.nspname, f.opfname) FROM pg_opfamily f JOIN pg_namespace fn ON fn.oid = f.opfnamespace
      WHERE f.oid = c.opcfamily AND (f.opfname <> c.opcname OR f.opfnamespace <> c.opcnamespace))),
  COALESCE(${MEMBERS('c.opcfamily', 'pg_opclass', 'c.oid')}::jsonb, '[]'::jsonb)
    || CASE WHEN c.opckeytype <> 0 THEN jsonb_build_array('STORAGE ' || format_type(c.opckeytype, NULL))
       ELSE '[]'::jsonb END,
  quote_ident(pg_get_userbyid(c.opcowner)), obj_description(c.oid, 'pg_opclass')
FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
WHERE ${USER_NS} AND ${notExtMember('pg_opclass', 'c')}
ORDER BY 4`;

/**
 * User operator families (with their loose members, added by ALTER OPERATOR FAMILY) and
 * operator classes (default or not, family, operators with their ORDER BY family, support
 * functions, storage type), with owner and comment. A class whose family has its own name
 * finds that family, created just before, as CREATE OPERATOR CLASS does without FAMILY.
 */
export async function opclassItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  return (await rowsOf<OpRow>(client, READ)).map((r) => {
    const members = r.members ?? [];
    const what = `OPERATOR ${r.kind} ${r.target}`;
    const create =
      r.kind === 'CLASS'
        ? [`${r.create}\n    ${members.join(',\n    ')};`]
        : [
            r.create,
            ...(members.length === 0 ? [] : [`ALTER ${what} ADD\n    ${members.join(',\n    ')};`]),
          ];
    return {
      key: key(r.catalog, r.oid),
      priority: r.kind === 'CLASS' ? 3.55 : 3.52,
      name: r.target,
      sql: [
        ...create,
        ...ownerStatement(`OPERATOR ${r.kind}`, r.target, r.owner, o),
        ...commentStatement(what, r.comment),
      ],
    };
  });
}
