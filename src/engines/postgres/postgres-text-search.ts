import { commentStatement, ownerStatement, type OwnershipOptions } from './postgres-acl.js';
import { key } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import type { DdlItem } from './postgres-order.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

const PG_TS_DICT = 3600;
const PG_TS_PARSER = 3601;
const PG_TS_CONFIG = 3602;
const PG_TS_TEMPLATE = 3764;

interface TextSearchRow {
  readonly oid: string;
  readonly catalog: number;
  /** `PARSER`, `TEMPLATE`, `DICTIONARY` or `CONFIGURATION`. */
  readonly kind: string;
  readonly qname: string;
  readonly options: string[];
  /** Null for parsers and templates, which have no owner. */
  readonly owner: string | null;
  readonly comment: string | null;
  /** A configuration's token mappings, as `ALTER TEXT SEARCH CONFIGURATION` statements. */
  readonly mappings: string[] | null;
}

const QNAME = (ns: string, name: string): string =>
  `(SELECT format('%I.%I', n.nspname, ${name}) FROM pg_namespace n WHERE n.oid = ${ns})`;
const OWNER = (col: string): string => `quote_ident(pg_get_userbyid(${col}))`;
/** In `x`'s own schema and not an extension's. */
const USER = (cat: string, ns: string): string =>
  `EXISTS (SELECT 1 FROM pg_namespace n WHERE n.oid = x.${ns} AND ${USER_NS}) AND ${notExtMember(cat, 'x')}`;

/**
 * The text search objects, each as CREATE TEXT SEARCH with its options: parsers and templates
 * (their functions), dictionaries (template and init options), configurations (parser, then
 * one `ADD MAPPING` per token type, dictionaries in order).
 */
const READ = `
SELECT x.oid::text AS oid, ${PG_TS_PARSER} AS catalog, 'PARSER' AS kind, ${QNAME('x.prsnamespace', 'x.prsname')} AS qname,
  array_to_json(array_remove(ARRAY['START = ' || x.prsstart::regproc::text, 'GETTOKEN = ' || x.prstoken::regproc::text,
    'END = ' || x.prsend::regproc::text, 'LEXTYPES = ' || x.prslextype::regproc::text,
    'HEADLINE = ' || NULLIF(x.prsheadline, 0)::regproc::text], NULL)) AS options,
  NULL AS owner, obj_description(x.oid, 'pg_ts_parser') AS comment, NULL::json AS mappings
FROM pg_ts_parser x WHERE ${USER('pg_ts_parser', 'prsnamespace')}
UNION ALL
SELECT x.oid::text, ${PG_TS_TEMPLATE}, 'TEMPLATE', ${QNAME('x.tmplnamespace', 'x.tmplname')},
  array_to_json(array_remove(ARRAY['INIT = ' || NULLIF(x.tmplinit, 0)::regproc::text,
    'LEXIZE = ' || x.tmpllexize::regproc::text], NULL)),
  NULL, obj_description(x.oid, 'pg_ts_template'), NULL
FROM pg_ts_template x WHERE ${USER('pg_ts_template', 'tmplnamespace')}
UNION ALL
SELECT x.oid::text, ${PG_TS_DICT}, 'DICTIONARY', ${QNAME('x.dictnamespace', 'x.dictname')},
  array_to_json(array_remove(ARRAY['TEMPLATE = ' || (SELECT ${QNAME('t.tmplnamespace', 't.tmplname')}
    FROM pg_ts_template t WHERE t.oid = x.dicttemplate), x.dictinitoption], NULL)),
  ${OWNER('x.dictowner')}, obj_description(x.oid, 'pg_ts_dict'), NULL
FROM pg_ts_dict x WHERE ${USER('pg_ts_dict', 'dictnamespace')}
UNION ALL
SELECT x.oid::text, ${PG_TS_CONFIG}, 'CONFIGURATION', ${QNAME('x.cfgnamespace', 'x.cfgname')},
  json_build_array('PARSER = ' || (SELECT ${QNAME('p.prsnamespace', 'p.prsname')} FROM pg_ts_parser p
    WHERE p.oid = x.cfgparser)),
  ${OWNER('x.cfgowner')}, obj_description(x.oid, 'pg_ts_config'),
  (SELECT json_agg(format('ALTER TEXT SEARCH CONFIGURATION %s ADD MAPPING FOR %s WITH %s;',
      ${QNAME('x.cfgnamespace', 'x.cfgname')}, t.alias, m.dicts) ORDER BY m.maptokentype)
   FROM (SELECT maptokentype, string_agg(mapdict::regdictionary::text, ', ' ORDER BY mapseqno) AS dicts
         FROM pg_ts_config_map WHERE mapcfg = x.oid GROUP BY maptokentype) m
   JOIN ts_token_type(x.cfgparser) t ON t.tokid = m.maptokentype)
FROM pg_ts_config x WHERE ${USER('pg_ts_config', 'cfgnamespace')}
ORDER BY qname`;

/** Parsers and templates first, then dictionaries, then configurations (which use both). */
const PRIORITY: Readonly<Record<string, number>> = {
  PARSER: 3.6,
  TEMPLATE: 3.6,
  DICTIONARY: 3.7,
  CONFIGURATION: 3.8,
};

/**
 * User text search parsers, templates, dictionaries and configurations, with owner (the
 * latter two have one) and comment. A configuration used by an index expression or a
 * generated column is a dependency of that table, so it comes before.
 */
export async function textSearchItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  return (await rowsOf<TextSearchRow>(client, READ)).map((r) => {
    const what = `TEXT SEARCH ${r.kind} ${r.qname}`;
    return {
      key: key(r.catalog, r.oid),
      priority: PRIORITY[r.kind] ?? 3.8,
      name: r.qname,
      sql: [
        `CREATE ${what} (\n    ${r.options.join(',\n    ')}\n);`,
        ...(r.mappings ?? []),
        ...(r.owner === null ? [] : ownerStatement(`TEXT SEARCH ${r.kind}`, r.qname, r.owner, o)),
        ...commentStatement(what, r.comment),
      ],
    };
  });
}
