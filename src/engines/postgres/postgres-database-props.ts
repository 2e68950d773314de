import { aclJson, grantStatements, type AclEntry, type OwnershipOptions } from './postgres-acl.js';
import type { PgClient } from './postgres-connect.js';
import { quoteIdent, quoteLiteral } from './postgres-sql.js';

/**
 * GUCs whose values are lists of quoted names (pg_dump's `variable_is_guc_list_quote`): their
 * stored value is split into elements, each written as a literal, or `SET search_path TO
 * 'app, public'` would name one schema called "app, public".
 */
const LIST_QUOTE = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
]);

/** Where the database's name goes in a statement built for {@link onCurrentDatabase}. */
const DB = '\u0000';

interface DatabaseRow {
  readonly owner: string;
  readonly comment: string | null;
  readonly acl: AclEntry[] | null;
  readonly settings: { readonly role: string | null; readonly config: string[] }[];
}

/**
 * What belongs to the database itself: its comment, its settings (`ALTER DATABASE … SET`, and
 * `ALTER ROLE … IN DATABASE … SET` unless owners are left out) and its privileges (unless
 * privileges are left out), as `pg_dump --create` writes them. A restore goes into a database
 * of any name, so each statement names the database it runs in (see {@link onCurrentDatabase}).
 * Without them a restored database lost, say, the `search_path` its applications rely on, or
 * the `REVOKE CONNECT … FROM PUBLIC` that kept other users out.
 */
export async function databaseStatements(client: PgClient, o: OwnershipOptions): Promise<string[]> {
  const { rows } = await client.query<DatabaseRow>(
    `SELECT quote_ident(pg_get_userbyid(db.datdba)) AS owner,
       shobj_description(db.oid, 'pg_database') AS comment,
       ${aclJson('db.datacl', `acldefault('d', db.datdba)`)} AS acl,
       COALESCE((SELECT json_agg(json_build_object(
           'role', CASE WHEN s.setrole = 0 THEN NULL ELSE quote_ident(pg_get_userbyid(s.setrole)) END,
           'config', s.setconfig) ORDER BY s.setrole <> 0, pg_get_userbyid(s.setrole))
         FROM pg_db_role_setting s WHERE s.setdatabase = db.oid), '[]') AS settings
     FROM pg_database db WHERE db.datname = current_database()`,
  );
  const db = rows[0];
  if (db === undefined) return [];
  const statements = [
    ...(db.comment === null ? [] : [`COMMENT ON DATABASE ${DB} IS ${quoteLiteral(db.comment)};`]),
    ...db.settings.flatMap((s) =>
      s.role !== null && o.noOwner
        ? []
        : s.config.map((entry) => {
            const head =
              s.role === null ? `ALTER DATABASE ${DB}` : `ALTER ROLE ${s.role} IN DATABASE ${DB}`;
            return `${head} ${setClause(entry)};`;
          }),
    ),
    ...grantStatements('DATABASE', DB, db.owner, db.acl, o),
  ];
  return statements.map(onCurrentDatabase);
}

/** `SET name TO value` for a stored `name=value`, quoted as pg_dump's makeAlterConfigCommand does. */
function setClause(entry: string): string {
  const eq = entry.indexOf('=');
  const name = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  if (!LIST_QUOTE.has(name.toLowerCase()))
    return `SET ${quoteIdent(name)} TO ${quoteLiteral(value)}`;
  const items = splitGucList(value);
  return `SET ${quoteIdent(name)} TO ${items.length === 0 ? "''" : items.map(quoteLiteral).join(', ')}`;
}

/**
 * The elements of a list GUC's stored value (pg_dump's SplitGUCList): comma-separated, each
 * either a double-quoted name ("" for a quote inside) or a bare word, white space around them
 * ignored.
 */
export function splitGucList(value: string): string[] {
  const items: string[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < value.length && /\s/.test(value[i] as string)) i++;
  };
  skipSpace();
  if (i === value.length) return items;
  for (;;) {
    let item = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        const q = value.indexOf('"', i);
        if (q < 0) {
          item += value.slice(i);
          i = value.length;
          break;
        }
        item += value.slice(i, q);
        i = q + 1;
        if (value[i] !== '"') break;
        item += '"';
        i++;
      }
    } else {
      const start = i;
      while (i < value.length && value[i] !== ',' && !/\s/.test(value[i] as string)) i++;
      item = value.slice(start, i);
    }
    items.push(item);
    skipSpace();
    if (value[i] !== ',') return items;
    i++;
    skipSpace();
  }
}

/**
 * A statement about "this database", for a restore into a database of any name: a `DO` block
 * that runs it with `current_database()` in the place of {@link DB}. psql restores it as it is.
 */
function onCurrentDatabase(sql: string): string {
  const [before, after] = sql.split(DB) as [string, string];
  let tag = '$lifeboat$';
  for (let n = 1; sql.includes(tag); n++) tag = `$lifeboat${n}$`;
  return `DO ${tag} BEGIN EXECUTE pg_catalog.format('%s%I%s', ${quoteLiteral(before)}, pg_catalog.current_database(), ${quoteLiteral(after)}); END ${tag};`;
}
