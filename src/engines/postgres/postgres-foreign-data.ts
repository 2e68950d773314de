import {
  aclJson,
  commentStatement,
  grantStatements,
  ownerStatement,
  type AclEntry,
  type OwnershipOptions,
} from './postgres-acl.js';
import { PG_CLASS, key, readTables, type TableRow } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import { columnDdl, columnSettingsDdl } from './postgres-ddl.js';
import type { DdlItem } from './postgres-order.js';
import { notExtMember } from './postgres-unsupported.js';

const PG_FOREIGN_SERVER = 1417;
const PG_FOREIGN_DATA_WRAPPER = 2328;

/** `OPTIONS (a 'x', b 'y')` text of an options array column, or NULL. */
const OPTIONS = (col: string): string =>
  `(SELECT ' OPTIONS (' || string_agg(format('%I %L', option_name, option_value), ', ') || ')'
    FROM pg_options_to_table(${col}))`;

interface WrapperRow {
  readonly oid: string;
  readonly catalog: number;
  readonly kind: 'FOREIGN DATA WRAPPER' | 'SERVER';
  readonly name: string;
  readonly create: string;
  readonly owner: string;
  readonly acl: AclEntry[] | null;
  readonly comment: string | null;
  /** A server's user mappings, as CREATE USER MAPPING statements. */
  readonly mappings: string[] | null;
}

/**
 * Foreign-data wrappers (handler, validator, options) and servers (type, version, wrapper,
 * options, user mappings). User mappings are read from `pg_user_mappings`, as pg_dump reads
 * them: their options are shown to a superuser, the mapped user and the server's owner only.
 */
const WRAPPERS = `
SELECT w.oid::text AS oid, ${PG_FOREIGN_DATA_WRAPPER} AS catalog, 'FOREIGN DATA WRAPPER' AS kind,
  quote_ident(w.fdwname) AS name,
  format('CREATE FOREIGN DATA WRAPPER %I%s%s%s;', w.fdwname,
    ' HANDLER ' || NULLIF(w.fdwhandler, 0)::regproc::text, ' VALIDATOR ' || NULLIF(w.fdwvalidator, 0)::regproc::text,
    ${OPTIONS('w.fdwoptions')}) AS create,
  quote_ident(pg_get_userbyid(w.fdwowner)) AS owner, ${aclJson('w.fdwacl', "acldefault('F', w.fdwowner)")} AS acl,
  obj_description(w.oid, 'pg_foreign_data_wrapper') AS comment, NULL::json AS mappings
FROM pg_foreign_data_wrapper w WHERE ${notExtMember('pg_foreign_data_wrapper', 'w')}
UNION ALL
SELECT s.oid::text, ${PG_FOREIGN_SERVER}, 'SERVER', quote_ident(s.srvname),
  format('CREATE SERVER %I%s%s FOREIGN DATA WRAPPER %I%s;', s.srvname, ' TYPE ' || quote_literal(s.srvtype),
    ' VERSION ' || quote_literal(s.srvversion), w.fdwname, ${OPTIONS('s.srvoptions')}),
  quote_ident(pg_get_userbyid(s.srvowner)), ${aclJson('s.srvacl', "acldefault('S', s.srvowner)")},
  obj_description(s.oid, 'pg_foreign_server'),
  (SELECT json_agg(format('CREATE USER MAPPING FOR %s SERVER %I%s;',
      CASE WHEN um.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(um.usename) END, s.srvname, ${OPTIONS('um.umoptions')})
      ORDER BY um.usename)
   FROM pg_user_mappings um WHERE um.srvid = s.oid)
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE ${notExtMember('pg_foreign_server', 's')}
ORDER BY 2 DESC, 4`;

interface ForeignTableRow {
  readonly oid: string;
  readonly server: string;
  readonly options: string | null;
  readonly columnOptions: Record<string, string> | null;
}

/** CREATE FOREIGN TABLE: columns (with their options), CHECK constraints, server, options. */
function foreignTableDdl(t: TableRow, f: ForeignTableRow, o: OwnershipOptions): string[] {
  const cols = t.columns
    .filter((c) => c.local)
    .map((c) => columnDdl({ ...c, type: `${c.type}${f.columnOptions?.[c.name] ?? ''}` }));
  const checks = (t.checks ?? [])
    .filter((c) => c.local)
    .map((c) => `    CONSTRAINT ${c.name} ${c.def}`);
  return [
    `CREATE FOREIGN TABLE ${t.qname} (\n${[...cols, ...checks].join(',\n')}\n)\nSERVER ${f.server}${f.options ?? ''};`,
    ...columnSettingsDdl(t.qname, t.columnSettings).map((s) =>
      s.replace(/^ALTER TABLE ONLY /, 'ALTER FOREIGN TABLE ONLY '),
    ),
    ...ownerStatement('FOREIGN TABLE', t.qname, t.owner, o),
    ...commentStatement(`FOREIGN TABLE ${t.qname}`, t.comment),
    ...t.columns.flatMap((c) => commentStatement(`COLUMN ${t.qname}.${c.name}`, c.comment)),
    ...grantStatements('TABLE', t.qname, t.owner, t.acl, o),
    ...t.columns.flatMap((c) =>
      c.acl === null ? [] : grantStatements('TABLE', t.qname, t.owner, c.acl, o, ` (${c.name})`),
    ),
  ];
}

/**
 * Foreign-data wrappers, servers with their user mappings, and foreign tables (their
 * definition: like pg_dump, never the remote rows), with owners, comments and grants. Foreign
 * tables in an inheritance tree or partitioned table are refused (see
 * `postgres-unsupported.ts`).
 */
export async function foreignDataItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  const wrappers = await rowsOf<WrapperRow>(client, WRAPPERS);
  const tables = await readTables(client, 'f');
  const details = new Map(
    (
      await rowsOf<ForeignTableRow>(
        client,
        `SELECT ft.ftrelid::text AS oid, quote_ident(s.srvname) AS server, ${OPTIONS('ft.ftoptions')} AS options,
           (SELECT json_object_agg(quote_ident(a.attname), ${OPTIONS('a.attfdwoptions')}) FROM pg_attribute a
              WHERE a.attrelid = ft.ftrelid AND a.attnum > 0 AND a.attfdwoptions IS NOT NULL) AS "columnOptions"
         FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver`,
      )
    ).map((f) => [f.oid, f]),
  );
  return [
    ...wrappers.map((w) => ({
      key: key(w.catalog, w.oid),
      priority: w.kind === 'SERVER' ? 3.95 : 3.9,
      name: w.name,
      sql: [
        w.create,
        ...ownerStatement(w.kind, w.name, w.owner, o),
        ...commentStatement(`${w.kind} ${w.name}`, w.comment),
        ...grantStatements(
          w.kind === 'SERVER' ? 'FOREIGN SERVER' : w.kind,
          w.name,
          w.owner,
          w.acl,
          o,
        ),
        ...(w.mappings ?? []),
      ],
    })),
    ...tables.flatMap((t) => {
      const f = details.get(t.oid);
      return f === undefined
        ? []
        : [
            {
              key: key(PG_CLASS, t.oid),
              priority: 5,
              name: t.qname,
              sql: foreignTableDdl(t, f, o),
            },
          ];
    }),
  ];
}
