import type { PgClient } from './postgres-connect.js';
import { rowsOf, serverVersion } from './postgres-connect.js';
import { aclJson, type AclEntry } from './postgres-acl.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

// Catalog OIDs are fixed in every PostgreSQL version; pg_depend rows are keyed by them.
export const PG_CLASS = 1259;
export const PG_TYPE = 1247;
export const PG_PROC = 1255;
export const PG_NAMESPACE = 2615;
export const PG_EXTENSION = 3079;
export const PG_COLLATION = 3456;

/** `<catalog oid>:<object oid>`: identifies any object in pg_depend. */
export const key = (catalog: number, oid: string | number): string => `${catalog}:${oid}`;

const OWNER = (col: string): string => `quote_ident(pg_get_userbyid(${col}))`;

/** A schema (other than the catalogs). */
export interface SchemaRow {
  oid: string;
  name: string;
  qname: string;
  owner: string;
  acl: AclEntry[] | null;
  comment: string | null;
}

/** User schemas, extension-owned ones excluded. */
export function readSchemas(c: PgClient): Promise<SchemaRow[]> {
  return rowsOf(
    c,
    `SELECT n.oid, n.nspname AS name, quote_ident(n.nspname) AS qname, ${OWNER('n.nspowner')} AS owner,
       ${aclJson('n.nspacl', "acldefault('n', n.nspowner)")} AS acl, obj_description(n.oid, 'pg_namespace') AS comment
     FROM pg_namespace n WHERE ${USER_NS} AND ${notExtMember('pg_namespace', 'n')} ORDER BY n.nspname`,
  );
}

/** An installed extension (plpgsql, which every database has, excluded). */
export interface ExtensionRow {
  oid: string;
  qname: string;
  schema: string;
  nsoid: string;
  comment: string | null;
}

/** Extensions; their member objects are recreated by CREATE EXTENSION and never dumped. */
export function readExtensions(c: PgClient): Promise<ExtensionRow[]> {
  return rowsOf(
    c,
    `SELECT e.oid, quote_ident(e.extname) AS qname, quote_ident(n.nspname) AS schema, n.oid AS nsoid,
       obj_description(e.oid, 'pg_extension') AS comment
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname <> 'plpgsql' ORDER BY e.extname`,
  );
}

/** An enum, domain, composite or range type. */
export interface TypeRow {
  oid: string;
  qname: string;
  typtype: 'e' | 'd' | 'c' | 'r';
  owner: string;
  acl: AclEntry[] | null;
  comment: string | null;
  labels: string[] | null;
  basetype: string | null;
  notnull: boolean;
  typdefault: string | null;
  collation: string | null;
  checks: { name: string; def: string; validated: boolean; comment: string | null }[] | null;
  range: Record<string, string | null> | null;
  attrs: { name: string; type: string; collation: string | null }[] | null;
  relid: string;
}

const COLLATION = (coll: string, typ: string): string =>
  `(SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
     JOIN pg_namespace cn ON cn.oid = co.collnamespace
     WHERE co.oid = ${coll} AND ${coll} <> 0
       AND ${coll} <> (SELECT typcollation FROM pg_type WHERE oid = ${typ}))`;

/** User-defined enum, domain, composite and range types. */
export async function readTypes(c: PgClient): Promise<TypeRow[]> {
  // Multirange types arrived in PostgreSQL 14: older servers have no pg_range.rngmultitypid.
  const multirange =
    (await serverVersion(c)).num >= 140000
      ? `(SELECT format('%I.%I', mn.nspname, mt.typname) FROM pg_type mt
           JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = r.rngmultitypid)`
      : 'NULL';
  return rowsOf(
    c,
    `SELECT t.oid, format('%I.%I', n.nspname, t.typname) AS qname, t.typtype, ${OWNER('t.typowner')} AS owner,
       ${aclJson('t.typacl', "acldefault('T', t.typowner)")} AS acl, obj_description(t.oid, 'pg_type') AS comment, t.typrelid AS relid,
       (SELECT json_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS basetype,
       t.typnotnull AS notnull, t.typdefault,
       CASE WHEN t.typtype = 'd' THEN ${COLLATION('t.typcollation', 't.typbasetype')} END AS collation,
       (SELECT json_agg(json_build_object('name', quote_ident(conname), 'def', pg_get_constraintdef(oid),
          'validated', convalidated, 'comment', obj_description(oid, 'pg_constraint')) ORDER BY conname)
        FROM pg_constraint WHERE contypid = t.oid AND contype = 'c') AS checks,
       (SELECT json_build_object('subtype', format_type(r.rngsubtype, NULL),
          'opclass', (SELECT format('%I.%I', on_.nspname, oc.opcname) FROM pg_opclass oc
                      JOIN pg_namespace on_ ON on_.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc AND NOT oc.opcdefault),
          'collation', ${COLLATION('r.rngcollation', 'r.rngsubtype')},
          'canonical', NULLIF(r.rngcanonical, 0)::regproc::text,
          'subdiff', NULLIF(r.rngsubdiff, 0)::regproc::text,
          'multirange', ${multirange})
        FROM pg_range r WHERE r.rngtypid = t.oid) AS range,
       (SELECT json_agg(json_build_object('name', quote_ident(a.attname), 'type', format_type(a.atttypid, a.atttypmod),
          'collation', ${COLLATION('a.attcollation', 'a.atttypid')}) ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attrs
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE ${USER_NS} AND ${notExtMember('pg_type', 't')}
       AND (t.typtype IN ('e', 'd', 'r')
            OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
     ORDER BY 2`,
  );
}

/** A function or procedure with its full definition. */
export interface FunctionRow {
  oid: string;
  kind: 'FUNCTION' | 'PROCEDURE';
  signature: string;
  def: string;
  owner: string;
  acl: AclEntry[] | null;
  comment: string | null;
}

/** Functions and procedures (aggregates: see `postgres-aggregates.ts`). */
export function readFunctions(c: PgClient): Promise<FunctionRow[]> {
  return rowsOf(
    c,
    `SELECT p.oid, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind,
       format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS signature,
       pg_get_functiondef(p.oid) AS def, ${OWNER('p.proowner')} AS owner, ${aclJson('p.proacl', "acldefault('f', p.proowner)")} AS acl,
       obj_description(p.oid, 'pg_proc') AS comment
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE ${USER_NS} AND ${notExtMember('pg_proc', 'p')} AND p.prokind IN ('f', 'p', 'w')
       -- range and multirange constructors come with their type
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                         AND d.objid = p.oid AND d.deptype = 'i')
     ORDER BY 3`,
  );
}

/** Sequence parameters, shared by standalone sequences and identity columns. */
export interface SequenceParams {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
}

/** A sequence that is not an identity column's. */
export interface SequenceRow extends SequenceParams {
  oid: string;
  qname: string;
  unlogged: boolean;
  owner: string;
  acl: AclEntry[] | null;
  comment: string | null;
  ownedBy: string | null;
  ownedByRel: string | null;
}

const SEQ_PARAMS = `format_type(s.seqtypid, NULL) AS type, s.seqstart AS start, s.seqincrement AS increment,
  s.seqmin AS min, s.seqmax AS max, s.seqcache AS cache, s.seqcycle AS cycle`;

const SEQ_JSON = `'type', format_type(s.seqtypid, NULL), 'start', s.seqstart::text, 'increment', s.seqincrement::text,
  'min', s.seqmin::text, 'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle`;

/** Standalone sequences (serial ones included), with the column that owns them. */
export function readSequences(c: PgClient): Promise<SequenceRow[]> {
  return rowsOf(
    c,
    `SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS qname, c.relpersistence = 'u' AS unlogged,
       ${SEQ_PARAMS}, ${OWNER('c.relowner')} AS owner, ${aclJson('c.relacl', "acldefault('s', c.relowner)")} AS acl,
       obj_description(c.oid, 'pg_class') AS comment,
       (SELECT format('%I.%I.%I', tn.nspname, tc.relname, ta.attname) FROM pg_depend d
          JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
          JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a'
            AND d.refclassid = 'pg_class'::regclass) AS "ownedBy",
       (SELECT d.refobjid FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
          AND d.deptype = 'a' AND d.refclassid = 'pg_class'::regclass) AS "ownedByRel"
     FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND ${USER_NS} AND ${notExtMember('pg_class', 'c')}
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype = 'i')
     ORDER BY 2`,
  );
}

/** One column of a table. */
export interface ColumnRow {
  name: string;
  type: string;
  notnull: boolean;
  /** The NOT NULL constraint's name where PostgreSQL 18+ keeps one other than the default. */
  notnullName: string | null;
  local: boolean;
  default: string | null;
  defaultUsesSequence: boolean;
  generated: string;
  identity: string;
  identitySeq: (SequenceParams & { qname: string }) | null;
  collation: string | null;
  comment: string | null;
  acl: AclEntry[] | null;
}

/** A column's planner and TOAST settings that differ from the defaults (`ALTER COLUMN … SET …`). */
export interface ColumnSettings {
  name: string;
  /** `SET STATISTICS`, when not the default. */
  statistics: number | null;
  /** `SET STORAGE` letter (p, e, m, x), when not the type's default. */
  storage: string | null;
  /** `SET COMPRESSION` letter (p pglz, l lz4), when set (PostgreSQL 14+). */
  compression: string | null;
  /** `SET (n_distinct = …)` and the like. */
  options: string[] | null;
}

/**
 * SQL for the {@link ColumnSettings} of relation `c`. Options named `pg_…` are left out: some
 * servers keep their own bookkeeping there (Debian's 15.20 adds `pg_attver`, which its pg_dump
 * skips too), and a user cannot set them.
 */
async function columnSettingsSql(c: PgClient): Promise<string> {
  const compression =
    (await serverVersion(c)).num >= 140000 ? `NULLIF(a.attcompression::text, '')` : 'NULL::text';
  const options = `(SELECT json_agg(o ORDER BY n) FROM unnest(a.attoptions) WITH ORDINALITY u(o, n)
      WHERE o NOT LIKE 'pg\\_%')`;
  return `(SELECT json_agg(x.s ORDER BY x.attnum) FROM (
       SELECT a.attnum, json_build_object('name', quote_ident(a.attname),
         -- -1 is the default before PostgreSQL 17, NULL from 17 on
         'statistics', NULLIF(a.attstattarget, -1),
         'storage', CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END,
         'compression', ${compression}, 'options', ${options}) AS s,
         ${options} IS NOT NULL OR ${compression} IS NOT NULL OR a.attstorage <> t.typstorage
           OR NULLIF(a.attstattarget, -1) IS NOT NULL AS set
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) x WHERE x.set)`;
}

/** A table or partitioned table. */
export interface TableRow {
  oid: string;
  schema: string;
  name: string;
  qname: string;
  relkind: 'r' | 'p' | 'f';
  unlogged: boolean;
  owner: string;
  acl: AclEntry[] | null;
  comment: string | null;
  rls: boolean;
  forceRls: boolean;
  options: string[] | null;
  partkey: string | null;
  bound: string | null;
  parents: string[] | null;
  columns: ColumnRow[];
  checks: { name: string; def: string; local: boolean; validated: boolean }[] | null;
  replident: string;
  estimate: string;
  columnSettings: ColumnSettings[] | null;
  /** The composite type of a typed table (`CREATE TABLE … OF type`). */
  ofType: string | null;
}

/**
 * Tables with their columns and CHECK constraints; `relkind` `f` reads the foreign tables
 * instead (see `postgres-foreign-data.ts`).
 */
export async function readTables(c: PgClient, relkind: 'rp' | 'f' = 'rp'): Promise<TableRow[]> {
  // PostgreSQL 18 keeps NOT NULL as named pg_constraint rows: keep a name that is not the default.
  const notnullName =
    (await serverVersion(c)).num >= 180000
      ? `(SELECT quote_ident(nn.conname) FROM pg_constraint nn WHERE nn.conrelid = c.oid AND nn.contype = 'n'
           AND nn.conkey = ARRAY[a.attnum] AND nn.conname <> format('%s_%s_not_null', c.relname, a.attname))`
      : 'NULL';
  // PostgreSQL 18 also has NOT VALID NOT NULLs, which attnotnull shows too: written inline
  // they would refuse the rows they never checked; they follow the data (postgres-catalog-post).
  const notnull =
    (await serverVersion(c)).num >= 180000
      ? `a.attnotnull AND NOT EXISTS (SELECT 1 FROM pg_constraint nv WHERE nv.conrelid = c.oid
           AND nv.contype = 'n' AND nv.conkey = ARRAY[a.attnum] AND NOT nv.convalidated)`
      : 'a.attnotnull';
  const settings = await columnSettingsSql(c);
  return rowsOf(
    c,
    `SELECT c.oid, n.nspname AS schema, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qname,
       c.relkind, c.relpersistence = 'u' AS unlogged, ${OWNER('c.relowner')} AS owner,
       ${aclJson('c.relacl', "acldefault('r', c.relowner)")} AS acl, obj_description(c.oid, 'pg_class') AS comment,
       c.relrowsecurity AS rls, c.relforcerowsecurity AS "forceRls", array_to_json(c.reloptions) AS options,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
       c.relreplident AS replident, c.reltuples::bigint AS estimate,
       CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS "ofType",
       (SELECT json_agg(format('%I.%I', pn.nspname, pc.relname) ORDER BY i.inhseqno) FROM pg_inherits i
          JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
          WHERE i.inhrelid = c.oid) AS parents,
       COALESCE((SELECT json_agg(json_build_object('name', quote_ident(a.attname), 'type', format_type(a.atttypid, a.atttypmod),
          'notnull', ${notnull}, 'notnullName', ${notnullName}, 'local', a.attislocal,
          'default', CASE WHEN a.atthasdef THEN pg_get_expr(d.adbin, d.adrelid) END,
          'defaultUsesSequence', EXISTS (SELECT 1 FROM pg_depend dd JOIN pg_class sc ON sc.oid = dd.refobjid
             WHERE dd.classid = 'pg_attrdef'::regclass AND dd.objid = d.oid AND sc.relkind = 'S'),
          'generated', a.attgenerated, 'identity', a.attidentity,
          'identitySeq', (SELECT json_build_object('qname', format('%I.%I', sn.nspname, sc.relname), ${SEQ_JSON})
             FROM pg_depend sd JOIN pg_class sc ON sc.oid = sd.objid JOIN pg_namespace sn ON sn.oid = sc.relnamespace
             JOIN pg_sequence s ON s.seqrelid = sc.oid
             WHERE a.attidentity <> '' AND sd.refobjid = c.oid AND sd.refobjsubid = a.attnum
               AND sd.classid = 'pg_class'::regclass AND sd.deptype = 'i'),
          'collation', ${COLLATION('a.attcollation', 'a.atttypid')},
          'comment', col_description(c.oid, a.attnum), 'acl', ${aclJson('a.attacl')}) ORDER BY a.attnum)
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       (SELECT json_agg(json_build_object('name', quote_ident(conname), 'def', pg_get_constraintdef(oid),
          'local', conislocal, 'validated', convalidated) ORDER BY conname)
        FROM pg_constraint WHERE conrelid = c.oid AND contype = 'c') AS checks,
       ${settings} AS "columnSettings"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = ANY($1) AND ${USER_NS} AND ${notExtMember('pg_class', 'c')}
     ORDER BY 4`,
    [relkind === 'f' ? ['f'] : ['r', 'p']],
  );
}

/** A view or materialized view. */
export interface ViewRow {
  oid: string;
  qname: string;
  relkind: 'v' | 'm';
  def: string;
  options: string[] | null;
  populated: boolean;
  owner: string;
  acl: AclEntry[] | null;
  comment: string | null;
  columnComments: { name: string; comment: string }[] | null;
  columnSettings: ColumnSettings[] | null;
  /** Column defaults of a view (`ALTER VIEW … ALTER COLUMN … SET DEFAULT`, for inserts through it). */
  columnDefaults: { name: string; default: string }[] | null;
  /** Column-level grants. */
  columnAcls: { name: string; acl: AclEntry[] }[] | null;
}

/** Views and materialized views with pg_get_viewdef's query. */
export async function readViews(c: PgClient): Promise<ViewRow[]> {
  const settings = await columnSettingsSql(c);
  return rowsOf(
    c,
    `SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS qname, c.relkind, pg_get_viewdef(c.oid) AS def,
       array_to_json(c.reloptions) AS options, c.relispopulated AS populated, ${OWNER('c.relowner')} AS owner,
       ${aclJson('c.relacl', "acldefault('r', c.relowner)")} AS acl, obj_description(c.oid, 'pg_class') AS comment,
       (SELECT json_agg(json_build_object('name', quote_ident(a.attname), 'comment', col_description(c.oid, a.attnum)))
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
            AND col_description(c.oid, a.attnum) IS NOT NULL) AS "columnComments",
       ${settings} AS "columnSettings",
       (SELECT json_agg(json_build_object('name', quote_ident(a.attname), 'default', pg_get_expr(d.adbin, d.adrelid))
          ORDER BY a.attnum) FROM pg_attrdef d
          JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = c.oid) AS "columnDefaults",
       (SELECT json_agg(json_build_object('name', quote_ident(a.attname), 'acl', ${aclJson('a.attacl')}) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND a.attacl IS NOT NULL) AS "columnAcls"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('v', 'm') AND ${USER_NS} AND ${notExtMember('pg_class', 'c')}
     ORDER BY 2`,
  );
}
