import {
  aclJson,
  commentStatement,
  grantStatements,
  ownerStatement,
  type AclEntry,
  type OwnershipOptions,
} from './postgres-acl.js';
import { PG_PROC, key } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import type { DdlItem } from './postgres-order.js';
import { quoteLiteral } from './postgres-sql.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

interface AggregateRow {
  readonly oid: string;
  /** `schema.name(arguments)` as CREATE AGGREGATE takes it (`ORDER BY` for ordered-set ones). */
  readonly head: string;
  /** `schema.name(identity arguments)` for ALTER and COMMENT ON AGGREGATE. */
  readonly signature: string;
  /** regprocedure's form: GRANT … ON FUNCTION takes neither `*` nor `ORDER BY`. */
  readonly routine: string;
  readonly owner: string;
  readonly acl: AclEntry[] | null;
  readonly comment: string | null;
  readonly kind: string;
  readonly parallel: string;
  readonly sfunc: string;
  readonly stype: string;
  readonly sspace: number | null;
  readonly initcond: string | null;
  readonly finalfunc: string | null;
  readonly finalExtra: boolean;
  readonly finalModify: string;
  readonly combinefunc: string | null;
  readonly serialfunc: string | null;
  readonly deserialfunc: string | null;
  readonly msfunc: string | null;
  readonly minvfunc: string | null;
  readonly mstype: string | null;
  readonly msspace: number | null;
  readonly minitcond: string | null;
  readonly mfinalfunc: string | null;
  readonly mfinalExtra: boolean;
  readonly mfinalModify: string;
  readonly sortop: string | null;
}

const FN = (col: string): string => `NULLIF(${col}, 0)::regproc::text`;

/** User aggregates (not those of extensions); pg_get_functiondef cannot show them. */
function readAggregates(client: PgClient): Promise<AggregateRow[]> {
  return rowsOf<AggregateRow>(
    client,
    `SELECT p.oid::text AS oid,
       format('%I.%I(%s)', n.nspname, p.proname, COALESCE(NULLIF(pg_get_function_arguments(p.oid), ''), '*')) AS head,
       format('%I.%I(%s)', n.nspname, p.proname,
         COALESCE(NULLIF(pg_get_function_identity_arguments(p.oid), ''), '*')) AS signature,
       p.oid::regprocedure::text AS routine, quote_ident(pg_get_userbyid(p.proowner)) AS owner,
       ${aclJson('p.proacl', "acldefault('f', p.proowner)")} AS acl, obj_description(p.oid, 'pg_proc') AS comment,
       a.aggkind::text AS kind, p.proparallel::text AS parallel,
       a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, NULLIF(a.aggtransspace, 0) AS sspace,
       a.agginitval AS initcond, ${FN('a.aggfinalfn')} AS finalfunc, a.aggfinalextra AS "finalExtra",
       a.aggfinalmodify::text AS "finalModify", ${FN('a.aggcombinefn')} AS combinefunc,
       ${FN('a.aggserialfn')} AS serialfunc, ${FN('a.aggdeserialfn')} AS deserialfunc,
       ${FN('a.aggmtransfn')} AS msfunc, ${FN('a.aggminvtransfn')} AS minvfunc,
       CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype,
       NULLIF(a.aggmtransspace, 0) AS msspace, a.aggminitval AS minitcond, ${FN('a.aggmfinalfn')} AS mfinalfunc,
       a.aggmfinalextra AS "mfinalExtra", a.aggmfinalmodify::text AS "mfinalModify",
       (SELECT format('OPERATOR(%I.%s)', opn.nspname, o.oprname) FROM pg_operator o
          JOIN pg_namespace opn ON opn.oid = o.oprnamespace WHERE o.oid = a.aggsortop) AS sortop
     FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.prokind = 'a' AND ${USER_NS} AND ${notExtMember('pg_proc', 'p')}
     ORDER BY 3`,
  );
}

const MODIFY: Readonly<Record<string, string>> = {
  r: 'READ_ONLY',
  s: 'SHAREABLE',
  w: 'READ_WRITE',
};
const PARALLEL: Readonly<Record<string, string>> = { s: 'SAFE', r: 'RESTRICTED' };

/**
 * The state options of the plain (`prefix` '') or moving-aggregate (`M`) mode: transition
 * type and space, initial value, final function with its extra arguments and modify flag.
 */
function stateOptions(
  prefix: '' | 'M',
  kind: string,
  s: {
    stype: string;
    space: number | null;
    init: string | null;
    final: string | null;
    extra: boolean;
    modify: string;
  },
): string[] {
  // CREATE AGGREGATE's default: read-only for plain aggregates, read-write for ordered-set ones.
  const defaultModify = kind === 'n' ? 'r' : 'w';
  const out = [`${prefix}STYPE = ${s.stype}`];
  if (s.space !== null) out.push(`${prefix}SSPACE = ${s.space}`);
  if (s.init !== null) out.push(`${prefix}INITCOND = ${quoteLiteral(s.init)}`);
  if (s.final !== null) {
    out.push(`${prefix}FINALFUNC = ${s.final}`);
    if (s.extra) out.push(`${prefix}FINALFUNC_EXTRA`);
    if (s.modify !== defaultModify)
      out.push(`${prefix}FINALFUNC_MODIFY = ${MODIFY[s.modify] ?? s.modify}`);
  }
  return out;
}

/** The options of CREATE AGGREGATE that differ from its defaults, in pg_dump's order. */
function aggregateOptions(a: AggregateRow): string[] {
  const out = [
    `SFUNC = ${a.sfunc}`,
    ...stateOptions('', a.kind, {
      stype: a.stype,
      space: a.sspace,
      init: a.initcond,
      final: a.finalfunc,
      extra: a.finalExtra,
      modify: a.finalModify,
    }),
  ];
  if (a.combinefunc !== null) out.push(`COMBINEFUNC = ${a.combinefunc}`);
  if (a.serialfunc !== null) out.push(`SERIALFUNC = ${a.serialfunc}`);
  if (a.deserialfunc !== null) out.push(`DESERIALFUNC = ${a.deserialfunc}`);
  if (a.msfunc !== null) {
    out.push(
      `MSFUNC = ${a.msfunc}`,
      `MINVFUNC = ${a.minvfunc ?? ''}`,
      ...stateOptions('M', a.kind, {
        stype: a.mstype ?? '',
        space: a.msspace,
        init: a.minitcond,
        final: a.mfinalfunc,
        extra: a.mfinalExtra,
        modify: a.mfinalModify,
      }),
    );
  }
  if (a.sortop !== null) out.push(`SORTOP = ${a.sortop}`);
  if (a.kind === 'h') out.push('HYPOTHETICAL');
  const parallel = PARALLEL[a.parallel];
  if (parallel !== undefined) out.push(`PARALLEL = ${parallel}`);
  return out;
}

/**
 * User aggregates as CREATE AGGREGATE built from pg_aggregate (plain, ordered-set and
 * hypothetical; moving-aggregate, combine and serialization functions; sort operator;
 * parallel safety), with owner, comment and grants (which, as pg_dump writes them, name the
 * aggregate as a FUNCTION). They sort with the functions: after their support functions and
 * types, before the views and defaults that call them.
 */
export async function aggregateItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  return (await readAggregates(client)).map((a) => ({
    key: key(PG_PROC, a.oid),
    priority: 3,
    name: a.signature,
    sql: [
      `CREATE AGGREGATE ${a.head} (\n    ${aggregateOptions(a).join(',\n    ')}\n);`,
      ...ownerStatement('AGGREGATE', a.signature, a.owner, o),
      ...commentStatement(`AGGREGATE ${a.signature}`, a.comment),
      ...grantStatements('FUNCTION', a.routine, a.owner, a.acl, o),
    ],
  }));
}
