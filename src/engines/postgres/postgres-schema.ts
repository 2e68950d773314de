import type { OwnershipOptions } from './postgres-acl.js';
import type { PgClient } from './postgres-connect.js';
import {
  PG_CLASS,
  PG_COLLATION,
  PG_EXTENSION,
  PG_NAMESPACE,
  PG_PROC,
  PG_TYPE,
  key,
  readExtensions,
  readFunctions,
  readSchemas,
  readSequences,
  readTables,
  readTypes,
  readViews,
  type ColumnRow,
  type SequenceRow,
  type TableRow,
} from './postgres-catalog.js';
import { readDepends, readPostData } from './postgres-catalog-post.js';
import { collationDdl, readCollations } from './postgres-collations.js';
import { defaultAclStatements } from './postgres-default-acl.js';
import { eventTriggerStatements } from './postgres-event-triggers.js';
import { publicationStatements } from './postgres-publications.js';
import {
  domainPostDdl,
  extensionDdl,
  functionDdl,
  schemaDdl,
  sequenceDdl,
  sequenceOwnedByDdl,
  tableDdl,
  type ParentColumns,
  tableSecurityDdl,
  tableTailDdl,
  typeDdl,
  viewDdl,
} from './postgres-ddl.js';
import { dependencyOrder, type DdlItem } from './postgres-order.js';
import { readOtherItems } from './postgres-schema-items.js';
import { databaseStatements } from './postgres-database-props.js';

interface Item extends DdlItem {
  readonly table?: TableRow;
  /** Statements of this object that go after the data. */
  readonly post?: string[];
}

/** The schema of a dump, split into the sections around the data. */
export interface SchemaPlan {
  /** Statements about the database itself (whole-database dumps only); the first of preData. */
  readonly database: string[];
  /** Statements before the data, in dependency order. */
  readonly preData: string[];
  /** Statements after the data: constraints, indexes, triggers, policies, matview refreshes. */
  readonly postData: string[];
  /** Every user table, in dependency order (a data table has relkind `r`). */
  readonly tables: TableRow[];
  /** Sequences whose values the data section sets, with the table that owns them. */
  readonly sequences: { qname: string; table: string | null }[];
  /** Foreign keys between kept tables (oids): data-only dumps load referenced tables first. */
  readonly foreignKeys: { rel: string; ref: string }[];
  /** Objects caught in a dependency cycle, placed in name order: worth a warning. */
  readonly cycles: string[];
}

/**
 * Reads the catalogs inside the dump's snapshot and builds the DDL. `selected` (table oids)
 * limits the dump to those tables and what they need (schemas, types, functions, sequences);
 * views are then left out, as they may read tables the dump lacks.
 */
export async function buildSchema(
  client: PgClient,
  selected: ReadonlySet<string> | undefined,
  o: OwnershipOptions,
): Promise<SchemaPlan> {
  // One query at a time: a pg connection runs queries in order anyway.
  const schemas = await readSchemas(client);
  const extensions = await readExtensions(client);
  const collations = await readCollations(client);
  const types = await readTypes(client);
  const functions = await readFunctions(client);
  const sequences = await readSequences(client);
  const tables = await readTables(client);
  const views = await readViews(client);
  const post = await readPostData(client);
  const depends = await readDepends(client);
  const others = await readOtherItems(client, o);
  // Default privileges belong to the whole database (not with --tables), and never with
  // --no-privileges, as pg_dump's -x.
  const defaultAcls =
    selected === undefined && !o.noPrivileges ? await defaultAclStatements(client) : [];
  const eventTriggers = selected === undefined ? await eventTriggerStatements(client, o) : [];
  const database = selected === undefined ? await databaseStatements(client, o) : [];
  const publications = selected === undefined ? await publicationStatements(client, o) : [];
  const seqKeys = new Set(sequences.map((s) => key(PG_CLASS, s.oid)));
  const columnsByTable = new Map(tables.map((t) => [t.qname, t.columns]));
  const parentColumns = (t: TableRow): ParentColumns => {
    if (t.parents === null) return undefined;
    const parents: ColumnRow[][] = [];
    for (const qname of t.parents) {
      const columns = columnsByTable.get(qname);
      if (columns === undefined) return undefined;
      parents.push(columns);
    }
    return parents;
  };
  const deps = new Map<string, Set<string>>();
  for (const d of depends) {
    if (d.from === null || d.to === null || d.from === d.to) continue;
    // A serial's sequence is owned by its table, but the table's default needs the sequence:
    // the sequence comes first and OWNED BY is set once the table exists.
    if (d.deptype === 'a' && seqKeys.has(d.from)) continue;
    deps.set(d.from, (deps.get(d.from) ?? new Set()).add(d.to));
  }
  const items: Item[] = [
    ...schemas.map((s) => ({
      key: key(PG_NAMESPACE, s.oid),
      priority: 0,
      name: s.qname,
      sql: schemaDdl(s, o),
    })),
    ...extensions.map((e) => ({
      key: key(PG_EXTENSION, e.oid),
      priority: 1,
      name: e.qname,
      sql: extensionDdl(e),
    })),
    ...collations.map((c) => ({
      key: key(PG_COLLATION, c.oid),
      priority: 1.5,
      name: c.qname,
      sql: collationDdl(c, o),
    })),
    ...types.map((t) => ({
      key: key(PG_TYPE, t.oid),
      priority: 2,
      name: t.qname,
      sql: typeDdl(t, o),
      post: domainPostDdl(t),
    })),
    ...functions.map((f) => ({
      key: key(PG_PROC, f.oid),
      priority: 3,
      name: f.signature,
      sql: functionDdl(f, o),
    })),
    ...sequences.map((s) => ({
      key: key(PG_CLASS, s.oid),
      priority: 4,
      name: s.qname,
      sql: sequenceDdl(s, o),
    })),
    ...tables.map((t) => ({
      key: key(PG_CLASS, t.oid),
      priority: 5,
      name: t.qname,
      sql: tableDdl(t, o, parentColumns(t)),
      table: t,
    })),
    ...views.map((v) => ({
      key: key(PG_CLASS, v.oid),
      priority: 6,
      name: v.qname,
      sql: viewDdl(v, o),
    })),
    ...others,
  ];
  const { ordered, cycles } = dependencyOrder(items, deps);
  const wanted = selected === undefined ? undefined : closure(selected, sequences, deps);
  const keep = (k: string): boolean => wanted === undefined || wanted.has(k);
  const kept = ordered.filter((i) => keep(i.key));
  const keptTables = kept.flatMap((i) => (i.table === undefined ? [] : [i.table]));
  const tableOids = new Set(keptTables.map((t) => t.oid));
  const userTable = new Set(tables.map((t) => t.oid));
  const keptSeqs = sequences.filter((s) => keep(key(PG_CLASS, s.oid)));
  const viewsByKey = new Map(views.map((v) => [key(PG_CLASS, v.oid), v]));
  const preData = [
    ...database,
    ...kept.flatMap((i) => i.sql),
    ...keptSeqs.flatMap((s) =>
      s.ownedByRel === null || tableOids.has(s.ownedByRel) ? sequenceOwnedByDdl(s) : [],
    ),
    ...keptTables.flatMap(tableTailDdl),
  ];
  const postData = [
    ...post
      .filter(
        (p) =>
          tableOids.has(p.rel) || (wanted === undefined && viewsByKey.has(key(PG_CLASS, p.rel))),
      )
      // A foreign key to an extension's table (one CREATE EXTENSION makes) goes with a
      // whole-database dump, which creates the extension.
      .filter(
        (p) =>
          p.ref === null || tableOids.has(p.ref) || (wanted === undefined && !userTable.has(p.ref)),
      )
      .flatMap((p) => [
        p.sql,
        ...(p.owner === null || o.noOwner ? [] : [p.owner]),
        ...(p.comment === null ? [] : [`COMMENT ON ${p.commentTarget} IS ${lit(p.comment)};`]),
        ...(p.extra === null ? [] : [p.extra]),
      ]),
    ...kept.flatMap((i) => i.post ?? []),
    ...keptTables.flatMap(tableSecurityDdl),
    ...kept.flatMap((i) => {
      const v = viewsByKey.get(i.key);
      return v?.relkind === 'm' && v.populated ? [`REFRESH MATERIALIZED VIEW ${v.qname};`] : [];
    }),
    ...publications,
    // Last: earlier, they would add grants to the objects the restore creates.
    ...defaultAcls,
    // After everything else: earlier, they would fire on the restore's own DDL.
    ...eventTriggers,
  ];
  const tableQname = new Map(tables.map((t) => [t.oid, t.qname]));
  const identity = keptTables.flatMap((t) =>
    t.columns.flatMap((c) =>
      c.identitySeq === null ? [] : [{ qname: c.identitySeq.qname, table: t.qname }],
    ),
  );
  return {
    database,
    preData,
    postData,
    tables: keptTables,
    sequences: [
      ...keptSeqs.map((s) => ({
        qname: s.qname,
        table: s.ownedByRel === null ? null : (tableQname.get(s.ownedByRel) ?? null),
      })),
      ...identity,
    ],
    foreignKeys: post.flatMap((p) =>
      p.kind === 'fk' && p.ref !== null && tableOids.has(p.rel) && tableOids.has(p.ref)
        ? [{ rel: p.rel, ref: p.ref }]
        : [],
    ),
    cycles: cycles.map((c) => c.name),
  };
}

/**
 * The selected tables and every object they need, as keys: a partition's parent, a column's
 * type, a default's function and sequence. Tables pulled in this way bring their definition
 * only; the dumper copies the rows of the selected tables alone.
 */
function closure(
  selected: ReadonlySet<string>,
  sequences: readonly SequenceRow[],
  deps: ReadonlyMap<string, ReadonlySet<string>>,
): Set<string> {
  const out = new Set<string>();
  const stack = [...selected].map((oid) => key(PG_CLASS, oid));
  for (const s of sequences)
    if (s.ownedByRel !== null && selected.has(s.ownedByRel)) stack.push(key(PG_CLASS, s.oid));
  while (stack.length > 0) {
    const k = stack.pop() as string;
    if (out.has(k)) continue;
    out.add(k);
    for (const d of deps.get(k) ?? []) stack.push(d);
  }
  return out;
}

function lit(value: string): string {
  const body = value.replaceAll("'", "''");
  return body.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}
