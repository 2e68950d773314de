import type { PgClient } from './postgres-connect.js';
import { rowsOf } from './postgres-connect.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

/** An object of the post-data section, attached to one relation. */
export interface PostRow {
  /** oid of the relation it belongs to. */
  rel: string;
  /** oid of a referenced relation (foreign keys), so a filtered dump can leave it out. */
  ref: string | null;
  kind: 'constraint' | 'fk' | 'index' | 'trigger' | 'policy' | 'statistics' | 'rule';
  sql: string;
  comment: string | null;
  commentTarget: string;
  extra: string | null;
  /** `ALTER … OWNER TO …;` of an object with an owner of its own (statistics objects). */
  owner: string | null;
}

const REL = (col: string): string =>
  `(SELECT format('%I.%I', rn.nspname, rc.relname) FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = ${col})`;
/** `ONLY` keeps an inheritance parent's constraint off its children; a partitioned table's must cascade. */
const ONLY = (col: string): string =>
  `CASE WHEN (SELECT relkind FROM pg_class WHERE oid = ${col}) = 'p' THEN '' ELSE 'ONLY ' END`;
/** `ALTER TABLE … DISABLE|ENABLE REPLICA|ENABLE ALWAYS <kind> name;` unless `state` is the default `O`. */
const ENABLED = (state: string, kind: string, rel: string, name: string): string =>
  `CASE WHEN ${state} <> 'O' THEN format('ALTER TABLE %s %s ${kind} %I;', ${REL(rel)},
     CASE ${state} WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'A' THEN 'ENABLE ALWAYS' END,
     ${name}) END`;
const USER_REL = (col: string): string =>
  `EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = ${col} AND ${USER_NS} AND ${notExtMember('pg_class', 'c')})`;

/**
 * Constraints added after the data (primary keys, unique, exclusion, foreign keys and NOT VALID
 * checks), indexes that back no constraint, triggers and row-level security policies. A
 * partition's indexes and primary key, unique and exclusion constraints are written under
 * their own names, before its parent's, which attach them; its foreign keys, CHECKs and
 * triggers come from its parent's (a trigger copy enabled otherwise than its parent's gets
 * its own ALTER TABLE).
 */
export function readPostData(c: PgClient): Promise<PostRow[]> {
  return rowsOf(
    c,
    `SELECT * FROM (
     SELECT co.conrelid AS rel, NULLIF(co.confrelid, 0) AS ref,
       CASE WHEN co.contype = 'f' THEN 'fk' ELSE 'constraint' END AS kind,
       format('ALTER TABLE %s%s ADD CONSTRAINT %I %s;', ${ONLY('co.conrelid')}, ${REL('co.conrelid')},
              co.conname, pg_get_constraintdef(co.oid)) AS sql,
       obj_description(co.oid, 'pg_constraint') AS comment,
       format('CONSTRAINT %I ON %s', co.conname, ${REL('co.conrelid')}) AS "commentTarget",
       -- A partition's primary key, unique and exclusion constraints first (deepest partitions
       -- first), under their own names: the partitioned table's then attaches them.
       NULL AS extra, NULL AS owner,
       (9 - (SELECT count(*) FROM pg_partition_ancestors(co.conrelid)))::text || co.contype::text || co.conname::text AS sort
     FROM pg_constraint co
     WHERE co.conrelid <> 0 AND ${USER_REL('co.conrelid')}
       AND ((co.conparentid = 0 AND co.conislocal
             AND (co.contype IN ('p', 'u', 'x', 'f') OR (co.contype IN ('c', 'n') AND NOT co.convalidated)))
         OR (co.conparentid <> 0 AND co.contype IN ('p', 'u', 'x')))
     UNION ALL
     SELECT i.indrelid, NULL, 'index',
       replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') || ';',
       obj_description(i.indexrelid, 'pg_class'),
       format('INDEX %s', ${REL('i.indexrelid')}),
       NULLIF(concat_ws(E'\n',
         -- statistics targets of expression columns (-1 the default before PostgreSQL 17, NULL from 17)
         (SELECT string_agg(format('ALTER INDEX %s ALTER COLUMN %s SET STATISTICS %s;', ${REL('i.indexrelid')},
             a.attnum, a.attstattarget), E'\n' ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND NULLIF(a.attstattarget, -1) IS NOT NULL)), ''),
       -- Deepest partitions' indexes first, under their own names: CREATE INDEX on the
       -- partitioned table then attaches them instead of creating (and naming) new ones.
       -- pg_partition_ancestors counts an attached index and its ancestors, and is empty for
       -- any other: the deepest sort first, the rest as i9.
       NULL, 'i' || (9 - (SELECT count(*) FROM pg_partition_ancestors(i.indexrelid)))::text || ic.relname
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE ${USER_REL('i.indrelid')}
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
     UNION ALL
     -- Once every index exists ('j' sorts after every 'i'; a partition's constraint's index
     -- exists since the constraints): the index a table is
     -- clustered on, and the one that is its replica identity (logical replication of UPDATE
     -- and DELETE relies on it).
     SELECT i.indrelid, NULL, 'index',
       concat_ws(E'\n',
         CASE WHEN i.indisclustered THEN format('ALTER TABLE %s CLUSTER ON %I;', ${REL('i.indrelid')}, ic.relname) END,
         CASE WHEN i.indisreplident THEN format('ALTER TABLE ONLY %s REPLICA IDENTITY USING INDEX %I;', ${REL('i.indrelid')}, ic.relname) END),
       NULL, '', NULL, NULL, 'j' || ic.relname
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE (i.indisclustered OR i.indisreplident) AND ${USER_REL('i.indrelid')}
     UNION ALL
     SELECT t.tgrelid, NULL, 'trigger', pg_get_triggerdef(t.oid, false) || ';',
       obj_description(t.oid, 'pg_trigger'),
       format('TRIGGER %I ON %s', t.tgname, ${REL('t.tgrelid')}),
       ${ENABLED('t.tgenabled', 'TRIGGER', 't.tgrelid', 't.tgname')},
       NULL, 't' || t.tgname
     FROM pg_trigger t
     WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${USER_REL('t.tgrelid')}
     UNION ALL
     -- A partition's copy of its parent's trigger, enabled otherwise than the parent's: after
     -- every CREATE TRIGGER (which makes the copies).
     SELECT t.tgrelid, NULL, 'trigger',
       format('ALTER TABLE %s %s TRIGGER %I;', ${REL('t.tgrelid')},
         CASE t.tgenabled WHEN 'O' THEN 'ENABLE' WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
           WHEN 'A' THEN 'ENABLE ALWAYS' END, t.tgname),
       NULL, '', NULL, NULL, '~' || t.tgname
     FROM pg_trigger t JOIN pg_trigger pt ON pt.oid = t.tgparentid
     WHERE t.tgenabled <> pt.tgenabled AND ${USER_REL('t.tgrelid')}
     UNION ALL
     SELECT p.polrelid, NULL, 'policy',
       format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s;', p.polname, ${REL('p.polrelid')},
         CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
         CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
         (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ')
            FROM unnest(p.polroles) r),
         ' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')',
         ' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')'),
       obj_description(p.oid, 'pg_policy'),
       format('POLICY %I ON %s', p.polname, ${REL('p.polrelid')}), NULL, NULL, 'z' || p.polname
     FROM pg_policy p WHERE ${USER_REL('p.polrelid')}
     UNION ALL
     -- Extended statistics (CREATE STATISTICS), after the indexes as pg_dump has them; the
     -- statistics target is -1 for the default before PostgreSQL 17, NULL from 17.
     SELECT s.stxrelid, NULL, 'statistics', pg_get_statisticsobjdef(s.oid) || ';',
       obj_description(s.oid, 'pg_statistic_ext'),
       format('STATISTICS %I.%I', sn.nspname, s.stxname),
       CASE WHEN NULLIF(s.stxstattarget, -1) IS NOT NULL THEN format('ALTER STATISTICS %I.%I SET STATISTICS %s;',
         sn.nspname, s.stxname, s.stxstattarget) END,
       format('ALTER STATISTICS %I.%I OWNER TO %I;', sn.nspname, s.stxname, pg_get_userbyid(s.stxowner)),
       's' || s.stxname
     FROM pg_statistic_ext s JOIN pg_namespace sn ON sn.oid = s.stxnamespace
     WHERE ${USER_REL('s.stxrelid')} AND ${notExtMember('pg_statistic_ext', 's')}
     UNION ALL
     -- Rewrite rules other than a view's own _RETURN, with their enabled state.
     SELECT r.ev_class, NULL, 'rule', pg_get_ruledef(r.oid),
       obj_description(r.oid, 'pg_rewrite'),
       format('RULE %I ON %s', r.rulename, ${REL('r.ev_class')}),
       ${ENABLED('r.ev_enabled', 'RULE', 'r.ev_class', 'r.rulename')},
       NULL, 'r' || r.rulename
     FROM pg_rewrite r
     WHERE r.rulename <> '_RETURN' AND ${USER_REL('r.ev_class')}
     ) x ORDER BY kind <> 'constraint', kind <> 'index', kind <> 'fk', kind <> 'trigger',
       kind <> 'statistics', kind <> 'rule',
       CASE kind WHEN 'constraint' THEN left(sort, 1) WHEN 'index' THEN left(sort, 2)
         WHEN 'trigger' THEN left(sort, 1) END, rel, sort`,
  );
}

/** A dependency between two objects, as `<catalog>:<oid>` keys of what depends and what it needs. */
export interface DependRow {
  from: string;
  to: string;
  deptype: string;
}

/**
 * pg_depend between user objects, with sub-objects folded into the object whose DDL creates
 * them: a column default or CHECK constraint into its table, a view's rewrite rule into the
 * view, a composite type's relation into the type, a table's row type into the table, an array
 * type into its element type, a user mapping into its server, an operator class's or family's
 * operators and functions into the class or family, and any extension member into its extension.
 */
export function readDepends(c: PgClient): Promise<DependRow[]> {
  const canon = (cls: string, obj: string): string => `(SELECT CASE
      WHEN ext.refobjid IS NOT NULL THEN '3079:' || ext.refobjid
      WHEN ${cls} = 'pg_attrdef'::regclass THEN (SELECT '1259:' || adrelid FROM pg_attrdef WHERE oid = ${obj})
      WHEN ${cls} = 'pg_constraint'::regclass THEN (SELECT CASE WHEN contype <> 'c' THEN NULL
             WHEN conrelid <> 0 THEN '1259:' || conrelid ELSE '1247:' || contypid END FROM pg_constraint WHERE oid = ${obj})
      WHEN ${cls} = 'pg_rewrite'::regclass THEN (SELECT '1259:' || ev_class FROM pg_rewrite WHERE oid = ${obj} AND rulename = '_RETURN')
      WHEN ${cls} = 'pg_type'::regclass THEN (SELECT CASE
             WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN '1247:' || t.typelem
             WHEN t.typrelid <> 0 AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c' THEN '1259:' || t.typrelid
             ELSE '1247:' || t.oid END FROM pg_type t WHERE t.oid = ${obj})
      WHEN ${cls} = 'pg_class'::regclass THEN (SELECT CASE WHEN relkind = 'c' THEN '1247:' || reltype
             WHEN relkind IN ('i', 'I', 't') THEN NULL ELSE '1259:' || oid END FROM pg_class WHERE oid = ${obj})
      WHEN ${cls} = 'pg_user_mapping'::regclass THEN (SELECT '1417:' || umserver FROM pg_user_mapping WHERE oid = ${obj})
      WHEN ${cls} IN ('pg_amop'::regclass, 'pg_amproc'::regclass) THEN COALESCE(
        (SELECT '2616:' || m.refobjid FROM pg_depend m WHERE m.classid = ${cls} AND m.objid = ${obj}
           AND m.refclassid = 'pg_opclass'::regclass LIMIT 1),
        (SELECT '2753:' || amopfamily FROM pg_amop WHERE oid = ${obj} AND ${cls} = 'pg_amop'::regclass),
        (SELECT '2753:' || amprocfamily FROM pg_amproc WHERE oid = ${obj} AND ${cls} = 'pg_amproc'::regclass))
      WHEN ${cls} IN ('pg_proc'::regclass, 'pg_namespace'::regclass, 'pg_extension'::regclass,
        'pg_collation'::regclass, 'pg_cast'::regclass, 'pg_operator'::regclass, 'pg_opclass'::regclass,
        'pg_opfamily'::regclass, 'pg_ts_config'::regclass, 'pg_ts_dict'::regclass, 'pg_ts_parser'::regclass,
        'pg_ts_template'::regclass, 'pg_foreign_data_wrapper'::regclass, 'pg_foreign_server'::regclass,
        'pg_language'::regclass) THEN ${cls}::oid || ':' || ${obj}
      END FROM (SELECT 1) one LEFT JOIN pg_depend ext ON ext.classid = ${cls} AND ext.objid = ${obj} AND ext.deptype = 'e')`;
  return rowsOf(
    c,
    `SELECT DISTINCT ${canon('d.classid', 'd.objid')} AS "from", ${canon('d.refclassid', 'd.refobjid')} AS "to",
       d.deptype::text AS deptype
     FROM pg_depend d WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384`,
  );
}
