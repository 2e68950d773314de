import {
  commentStatement,
  grantStatements,
  ownerStatement,
  type OwnershipOptions,
} from './postgres-acl.js';
import type {
  ColumnRow,
  ColumnSettings,
  ExtensionRow,
  FunctionRow,
  SchemaRow,
  SequenceParams,
  SequenceRow,
  TableRow,
  TypeRow,
  ViewRow,
} from './postgres-catalog.js';

/** The public schema as `CREATE DATABASE` makes it (PostgreSQL 15+, and 14 and older). */
function isDefaultPublic(s: SchemaRow): boolean {
  // `acl` holds the differences from acldefault() of the owner (see aclJson): the version
  // defaults of `public` differ from it only by what PUBLIC may do there.
  const acl = (s.acl ?? [])
    .map((e) => `${e.revoke ? '-' : '+'}${e.grantee}:${e.privilege}`)
    .sort()
    .join(',');
  return (
    (s.owner === 'pg_database_owner' && acl === '+PUBLIC:USAGE') ||
    (s.owner === 'postgres' && acl === '+PUBLIC:CREATE,+PUBLIC:USAGE')
  );
}

/** CREATE SCHEMA with owner, comment and grants; `public` exists already and only gets changes. */
export function schemaDdl(s: SchemaRow, o: OwnershipOptions): string[] {
  if (s.name === 'public') {
    if (isDefaultPublic(s) && (s.comment === 'standard public schema' || s.comment === null))
      return s.comment === null ? ['COMMENT ON SCHEMA public IS NULL;'] : [];
    return [
      ...ownerStatement('SCHEMA', s.qname, s.owner, o),
      ...commentStatement(`SCHEMA ${s.qname}`, s.comment),
      ...grantStatements('SCHEMA', s.qname, s.owner, s.acl, o),
    ];
  }
  return [
    `CREATE SCHEMA ${s.qname};`,
    ...ownerStatement('SCHEMA', s.qname, s.owner, o),
    ...commentStatement(`SCHEMA ${s.qname}`, s.comment),
    ...grantStatements('SCHEMA', s.qname, s.owner, s.acl, o),
  ];
}

/** CREATE EXTENSION in its schema; the extension creates its member objects itself. */
export function extensionDdl(e: ExtensionRow): string[] {
  return [
    `CREATE EXTENSION IF NOT EXISTS ${e.qname} WITH SCHEMA ${e.schema};`,
    ...commentStatement(`EXTENSION ${e.qname}`, e.comment),
  ];
}

/** CREATE TYPE / CREATE DOMAIN. */
export function typeDdl(t: TypeRow, o: OwnershipOptions): string[] {
  const kind = t.typtype === 'd' ? 'DOMAIN' : 'TYPE';
  let create: string;
  const post: string[] = [];
  if (t.typtype === 'e') {
    create = `CREATE TYPE ${t.qname} AS ENUM (\n${(t.labels ?? []).map((l) => `    ${lit(l)}`).join(',\n')}\n);`;
  } else if (t.typtype === 'c') {
    const attrs = (t.attrs ?? []).map(
      (a) => `    ${a.name} ${a.type}${a.collation === null ? '' : ` COLLATE ${a.collation}`}`,
    );
    create = `CREATE TYPE ${t.qname} AS (\n${attrs.join(',\n')}\n);`;
  } else if (t.typtype === 'r') {
    const r = t.range ?? {};
    const opts = [`subtype = ${r.subtype}`];
    if (r.opclass) opts.push(`subtype_opclass = ${r.opclass}`);
    if (r.collation) opts.push(`collation = ${r.collation}`);
    if (r.canonical) opts.push(`canonical = ${r.canonical}`);
    if (r.subdiff) opts.push(`subtype_diff = ${r.subdiff}`);
    if (r.multirange) opts.push(`multirange_type_name = ${r.multirange}`);
    create = `CREATE TYPE ${t.qname} AS RANGE (\n    ${opts.join(',\n    ')}\n);`;
  } else {
    let d = `CREATE DOMAIN ${t.qname} AS ${t.basetype ?? ''}`;
    if (t.collation !== null) d += ` COLLATE ${t.collation}`;
    if (t.typdefault !== null) d += ` DEFAULT ${t.typdefault}`;
    if (t.notnull) d += ' NOT NULL';
    for (const c of t.checks ?? []) {
      if (!c.validated) continue;
      d += `\n    CONSTRAINT ${c.name} ${c.def}`;
      post.push(...commentStatement(`CONSTRAINT ${c.name} ON DOMAIN ${t.qname}`, c.comment));
    }
    create = `${d};`;
  }
  return [
    create,
    ...post,
    ...ownerStatement(kind, t.qname, t.owner, o),
    ...commentStatement(`${kind} ${t.qname}`, t.comment),
    ...grantStatements(kind, t.qname, t.owner, t.acl, o),
  ];
}

/**
 * A domain's NOT VALID checks, for after the data: the rows they were never checked against
 * may break them, and a check added before the rows' COPY would refuse those rows (pg_dump
 * writes them after the data too).
 */
export function domainPostDdl(t: TypeRow): string[] {
  return (t.checks ?? []).flatMap((c) =>
    c.validated
      ? []
      : [
          `ALTER DOMAIN ${t.qname} ADD CONSTRAINT ${c.name} ${c.def};`,
          ...commentStatement(`CONSTRAINT ${c.name} ON DOMAIN ${t.qname}`, c.comment),
        ],
  );
}

/** pg_get_functiondef's CREATE OR REPLACE, with owner, comment and grants. */
export function functionDdl(f: FunctionRow, o: OwnershipOptions): string[] {
  return [
    `${f.def.trimEnd()};`,
    ...ownerStatement(f.kind, f.signature, f.owner, o),
    ...commentStatement(`${f.kind} ${f.signature}`, f.comment),
    ...grantStatements(f.kind, f.signature, f.owner, f.acl, o),
  ];
}

function sequenceOptions(p: SequenceParams): string {
  return (
    `START WITH ${p.start} INCREMENT BY ${p.increment} MINVALUE ${p.min} MAXVALUE ${p.max} ` +
    `CACHE ${p.cache}${p.cycle ? ' CYCLE' : ' NO CYCLE'}`
  );
}

/** CREATE SEQUENCE; OWNED BY comes after the tables (see {@link tableTailDdl}). */
export function sequenceDdl(s: SequenceRow, o: OwnershipOptions): string[] {
  return [
    `CREATE ${s.unlogged ? 'UNLOGGED ' : ''}SEQUENCE ${s.qname} AS ${s.type} ${sequenceOptions(s)};`,
    ...ownerStatement('SEQUENCE', s.qname, s.owner, o),
    ...commentStatement(`SEQUENCE ${s.qname}`, s.comment),
    ...grantStatements('SEQUENCE', s.qname, s.owner, s.acl, o),
  ];
}

/** A column of CREATE TABLE (and CREATE FOREIGN TABLE, whose column options go in its type). */
export function columnDdl(c: ColumnRow): string {
  return `    ${c.name} ${c.type}${c.collation === null ? '' : ` COLLATE ${c.collation}`}${columnConstraints(c)}`;
}

/** A column's generated expression or default, identity and NOT NULL. */
function columnConstraints(c: ColumnRow): string {
  let d = '';
  // 's' stored; 'v' virtual (PostgreSQL 18+), whose expression is a default-like pg_attrdef row too.
  if (c.generated === 's') d += ` GENERATED ALWAYS AS (${c.default ?? ''}) STORED`;
  else if (c.generated === 'v') d += ` GENERATED ALWAYS AS (${c.default ?? ''}) VIRTUAL`;
  else if (c.default !== null && !c.defaultUsesSequence) d += ` DEFAULT ${c.default}`;
  if (c.identity !== '' && c.identitySeq !== null) {
    const s = c.identitySeq;
    d += ` GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (SEQUENCE NAME ${s.qname} ${sequenceOptions(s)})`;
  }
  if (c.notnull)
    d += c.notnullName === null ? ' NOT NULL' : ` CONSTRAINT ${c.notnullName} NOT NULL`;
  return d;
}

/**
 * The columns of a table's parents, in `t.parents`' order; undefined when `t` has none, or a
 * parent lifeboat did not read (then the table is written as PARTITION OF / INHERITS alone).
 */
export type ParentColumns = readonly (readonly ColumnRow[])[] | undefined;

/** The parents whose columns `CREATE TABLE` takes: a partition's one parent, or all. */
function creatingParents(t: TableRow, parents: readonly (readonly ColumnRow[])[]) {
  return t.bound !== null ? parents.slice(0, 1) : parents;
}

/**
 * True when `CREATE TABLE … PARTITION OF` or `… INHERITS` would not give `t` its columns in
 * the source's order: those put the parents' columns first, in the parents' order, then the
 * table's own. A table attached as a partition, or given its parent with `ALTER TABLE …
 * INHERIT`, or a child whose parent got a column later, has another order; `SELECT *`, a
 * positional INSERT and the row checksums (COPY lines) depend on it.
 */
function columnOrderChanges(t: TableRow, parents: readonly (readonly ColumnRow[])[]): boolean {
  const expected = new Set<string>();
  for (const columns of creatingParents(t, parents)) for (const c of columns) expected.add(c.name);
  for (const c of t.columns) expected.add(c.name);
  return [...expected].some((name, i) => t.columns[i]?.name !== name);
}

/**
 * `ALTER TABLE ONLY … ALTER COLUMN` for what a partition or child set on a column it shares
 * with its parents: a default of its own, none where a parent has one, NOT NULL. `PARTITION
 * OF` and `INHERITS` copy the parents' defaults (not those that call `nextval()`, which are
 * set after all tables, see {@link tableTailDdl}) onto every column not `written` with a
 * default of its own, and their NOT NULLs.
 */
function inheritedColumnDdl(
  t: TableRow,
  parents: readonly (readonly ColumnRow[])[],
  written: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const c of t.columns) {
    if (c.generated !== '' || c.identity !== '') continue;
    const from = creatingParents(t, parents).flatMap((cols) =>
      cols.filter((p) => p.name === c.name),
    );
    if (from.length === 0) continue; // the table's own column, written whole
    const alter = `ALTER TABLE ONLY ${t.qname} ALTER COLUMN ${c.name}`;
    const ownDefault = c.default !== null && !c.defaultUsesSequence;
    if (!(written.has(c.name) && ownDefault)) {
      const copied =
        from.find((p) => p.default !== null && !p.defaultUsesSequence)?.default ?? null;
      if (c.default === null && copied !== null) out.push(`${alter} DROP DEFAULT;`);
      else if (ownDefault && c.default !== copied) out.push(`${alter} SET DEFAULT ${c.default};`);
    }
    if (!written.has(c.name) && c.notnull && !from.some((p) => p.notnull))
      out.push(`${alter} SET NOT NULL;`);
  }
  return out;
}

/**
 * CREATE TABLE with columns (defaults that use a sequence excepted: they follow the sequence),
 * CHECK constraints, inheritance or partitioning, then owner, comments and grants. A partition
 * or child whose columns are not in the order PARTITION OF / INHERITS would give (see
 * {@link columnOrderChanges}) is created on its own with every column in its order, and the
 * parent's CHECK constraints and NOT NULLs (which ATTACH and INHERIT require), then attached
 * (as pg_dump does for partitions) or given its parents: its inherited columns and constraints
 * are then also its own (`attislocal`, `conislocal`).
 */
export function tableDdl(t: TableRow, o: OwnershipOptions, parents: ParentColumns): string[] {
  const ownOrder =
    t.parents !== null &&
    t.ofType === null &&
    parents !== undefined &&
    columnOrderChanges(t, parents);
  const checks = (t.checks ?? [])
    .filter((c) => (c.local || ownOrder) && c.validated)
    .map((c) => `    CONSTRAINT ${c.name} ${c.def}`);
  const opts = t.options === null ? '' : ` WITH (${t.options.join(', ')})`;
  const partBy = t.partkey === null ? '' : ` PARTITION BY ${t.partkey}`;
  const unlogged = t.unlogged ? 'UNLOGGED ' : '';
  let create: string;
  let written: ReadonlySet<string> | undefined; // the columns CREATE TABLE … PARTITION OF / INHERITS names
  if (ownOrder && t.parents !== null) {
    const body = [...t.columns.map(columnDdl), ...checks].join(',\n');
    create = `CREATE ${unlogged}TABLE ${t.qname} (\n${body}\n)${partBy}${opts};`;
    create +=
      t.bound !== null
        ? `\nALTER TABLE ONLY ${t.parents[0]} ATTACH PARTITION ${t.qname} ${t.bound};`
        : t.parents.map((p) => `\nALTER TABLE ONLY ${t.qname} INHERIT ${p};`).join('');
  } else if (t.bound !== null && t.parents?.[0] !== undefined) {
    written = new Set();
    const body = checks.length === 0 ? '' : ` (\n${checks.join(',\n')}\n)`;
    create = `CREATE ${unlogged}TABLE ${t.qname} PARTITION OF ${t.parents[0]}${body}\n${t.bound}${partBy}${opts};`;
  } else if (t.ofType !== null) {
    // The type gives the columns: only what a column adds to it is written.
    const cols = t.columns
      .map((c) => ({ c, extra: columnConstraints(c) }))
      .filter((x) => x.extra !== '')
      .map((x) => `    ${x.c.name} WITH OPTIONS${x.extra}`);
    const all = [...cols, ...checks];
    const body = all.length === 0 ? '' : ` (\n${all.join(',\n')}\n)`;
    create = `CREATE ${unlogged}TABLE ${t.qname} OF ${t.ofType}${body}${partBy}${opts};`;
  } else {
    const local = t.columns.filter((c) => c.local);
    written = new Set(local.map((c) => c.name));
    const cols = local.map(columnDdl);
    const inherits = t.parents === null ? '' : `\nINHERITS (${t.parents.join(', ')})`;
    create = `CREATE ${unlogged}TABLE ${t.qname} (\n${[...cols, ...checks].join(',\n')}\n)${inherits}${partBy}${opts};`;
  }
  if (parents !== undefined && written !== undefined)
    create += inheritedColumnDdl(t, parents, written)
      .map((sql) => `\n${sql}`)
      .join('');
  const out = [
    create,
    ...columnSettingsDdl(t.qname, t.columnSettings),
    ...ownerStatement('TABLE', t.qname, t.owner, o),
  ];
  out.push(...commentStatement(`TABLE ${t.qname}`, t.comment));
  for (const c of t.columns) {
    out.push(...commentStatement(`COLUMN ${t.qname}.${c.name}`, c.comment));
  }
  out.push(...grantStatements('TABLE', t.qname, t.owner, t.acl, o));
  for (const c of t.columns) {
    if (c.acl !== null)
      out.push(...grantStatements('TABLE', t.qname, t.owner, c.acl, o, ` (${c.name})`));
  }
  return out;
}

const STORAGE: Readonly<Record<string, string>> = {
  p: 'PLAIN',
  e: 'EXTERNAL',
  m: 'MAIN',
  x: 'EXTENDED',
};
const COMPRESSION: Readonly<Record<string, string>> = { p: 'pglz', l: 'lz4' };

/**
 * `ALTER TABLE ONLY … ALTER COLUMN … SET STATISTICS | STORAGE | COMPRESSION | (options)` for
 * the settings that differ from the defaults, as pg_dump writes them after CREATE TABLE (and
 * CREATE MATERIALIZED VIEW). ONLY: a parent's setting must not overwrite its children's.
 */
export function columnSettingsDdl(
  qname: string,
  settings: readonly ColumnSettings[] | null,
): string[] {
  return (settings ?? []).flatMap((c) => {
    const alter = `ALTER TABLE ONLY ${qname} ALTER COLUMN ${c.name}`;
    return [
      ...(c.statistics === null ? [] : [`${alter} SET STATISTICS ${c.statistics};`]),
      ...(c.storage === null ? [] : [`${alter} SET STORAGE ${STORAGE[c.storage] ?? c.storage};`]),
      ...(c.compression === null
        ? []
        : [`${alter} SET COMPRESSION ${COMPRESSION[c.compression] ?? c.compression};`]),
      ...(c.options === null ? [] : [`${alter} SET (${c.options.join(', ')});`]),
    ];
  });
}

/** What follows all tables: sequence ownership and the defaults that call nextval(). */
export function tableTailDdl(t: TableRow): string[] {
  return t.columns
    .filter((c) => c.default !== null && c.defaultUsesSequence && c.generated === '')
    .map((c) => `ALTER TABLE ONLY ${t.qname} ALTER COLUMN ${c.name} SET DEFAULT ${c.default};`);
}

/** `ALTER SEQUENCE … OWNED BY …`, once both exist. */
export function sequenceOwnedByDdl(s: SequenceRow): string[] {
  return s.ownedBy === null ? [] : [`ALTER SEQUENCE ${s.qname} OWNED BY ${s.ownedBy};`];
}

/** Row-level security switches and replica identity, after the data like pg_dump's. */
export function tableSecurityDdl(t: TableRow): string[] {
  const out: string[] = [];
  if (t.rls) out.push(`ALTER TABLE ${t.qname} ENABLE ROW LEVEL SECURITY;`);
  if (t.forceRls) out.push(`ALTER TABLE ${t.qname} FORCE ROW LEVEL SECURITY;`);
  if (t.replident === 'f') out.push(`ALTER TABLE ONLY ${t.qname} REPLICA IDENTITY FULL;`);
  if (t.replident === 'n') out.push(`ALTER TABLE ONLY ${t.qname} REPLICA IDENTITY NOTHING;`);
  return out;
}

/** CREATE VIEW, or CREATE MATERIALIZED VIEW … WITH NO DATA (refreshed after the data). */
export function viewDdl(v: ViewRow, o: OwnershipOptions): string[] {
  const opts = v.options === null ? '' : ` WITH (${v.options.join(', ')})`;
  const query = v.def.trimEnd().replace(/;$/, '');
  const kind = v.relkind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
  const create =
    v.relkind === 'm'
      ? `CREATE MATERIALIZED VIEW ${v.qname}${opts} AS\n${query}\n  WITH NO DATA;`
      : `CREATE VIEW ${v.qname}${opts} AS\n${query};`;
  return [
    create,
    ...columnSettingsDdl(v.qname, v.columnSettings),
    ...(v.columnDefaults ?? []).map(
      (c) => `ALTER VIEW ${v.qname} ALTER COLUMN ${c.name} SET DEFAULT ${c.default};`,
    ),
    ...ownerStatement(kind, v.qname, v.owner, o),
    ...commentStatement(`${kind} ${v.qname}`, v.comment),
    ...(v.columnComments ?? []).flatMap((c) =>
      commentStatement(`COLUMN ${v.qname}.${c.name}`, c.comment),
    ),
    ...grantStatements('TABLE', v.qname, v.owner, v.acl, o),
    ...(v.columnAcls ?? []).flatMap((c) =>
      grantStatements('TABLE', v.qname, v.owner, c.acl, o, ` (${c.name})`),
    ),
  ];
}

function lit(value: string): string {
  const body = value.replaceAll("'", "''");
  return body.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}
