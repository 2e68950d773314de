import { aclCommands, aclJson, type AclEntry } from './postgres-acl.js';
import { rowsOf, type PgClient } from './postgres-connect.js';

/** One row of `pg_default_acl`, as the differences its statements must apply. */
interface DefaultAclRow {
  /** Role whose future objects it governs, quoted. */
  readonly role: string;
  /** Schema, quoted; null for the role's global defaults. */
  readonly schema: string | null;
  /** `defaclobjtype`: r tables, S sequences, f functions, T types, n schemas. */
  readonly type: string;
  readonly entries: readonly AclEntry[] | null;
}

const KEYWORD: Readonly<Record<string, string>> = {
  r: 'TABLES',
  S: 'SEQUENCES',
  f: 'FUNCTIONS',
  T: 'TYPES',
  n: 'SCHEMAS',
};

/** `acldefault()`'s kind for a `defaclobjtype` (sequences are `s` there). */
const BUILTIN = `acldefault(CASE da.defaclobjtype WHEN 'S' THEN 's' ELSE da.defaclobjtype::text END::"char", da.defaclrole)`;

/**
 * The built-in default a row of `pg_default_acl` changes: a role's global entry replaces
 * `acldefault()` for its objects, while a per-schema entry only adds grants to it (so its
 * baseline is empty).
 */
const BASELINE = `CASE WHEN da.defaclnamespace = 0 THEN ${BUILTIN} END`;

/** `sql` reads the row as `da` (aclJson's own subqueries use `d` and `a`). */
async function readDefaultAcls(client: PgClient, sql: string): Promise<DefaultAclRow[]> {
  return rowsOf<DefaultAclRow>(
    client,
    `SELECT quote_ident(pg_get_userbyid(da.defaclrole)) AS role,
       CASE WHEN da.defaclnamespace = 0 THEN NULL ELSE quote_ident(n.nspname) END AS schema,
       da.defaclobjtype::text AS type, ${sql} AS entries
     FROM pg_default_acl da LEFT JOIN pg_namespace n ON n.oid = da.defaclnamespace
     ORDER BY 1, 2 NULLS FIRST, 3`,
  );
}

/**
 * `ALTER DEFAULT PRIVILEGES` statements that give a database the source's default privileges
 * (`ALTER DEFAULT PRIVILEGES` of the source, as pg_dump writes them). They go at the very end
 * of a dump: earlier, they would add grants to the objects the restore creates, which the
 * source's objects (made before or after its defaults changed) need not have.
 */
export async function defaultAclStatements(client: PgClient): Promise<string[]> {
  const rows = await readDefaultAcls(client, aclJson('da.defaclacl', BASELINE));
  return rows.flatMap(statements);
}

/**
 * Statements that put the target's default privileges back to the built-in ones before a full
 * restore (the inverse differences): left in place, they would add grants to every object the
 * restore creates.
 */
export async function resetDefaultAclStatements(client: PgClient): Promise<string[]> {
  // A global entry goes back to acldefault(); a per-schema one has no baseline (and an empty
  // aclitem[] cannot be exploded): what it grants is read as grants and revoked.
  const rows = await readDefaultAcls(
    client,
    `CASE WHEN da.defaclnamespace = 0 THEN ${aclJson(BUILTIN, 'da.defaclacl')}
       ELSE ${aclJson('da.defaclacl')} END`,
  );
  return rows.flatMap((r) =>
    statements(
      r.schema === null
        ? r
        : { ...r, entries: (r.entries ?? []).map((e) => ({ ...e, revoke: true })) },
    ),
  );
}

function statements(row: DefaultAclRow): string[] {
  const objects = KEYWORD[row.type];
  if (objects === undefined || row.entries === null) return [];
  const head = `ALTER DEFAULT PRIVILEGES FOR ROLE ${row.role}${row.schema === null ? '' : ` IN SCHEMA ${row.schema}`}`;
  return aclCommands(row.entries, objects).map((sql) => `${head} ${sql}`);
}
