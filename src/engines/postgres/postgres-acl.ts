/**
 * One difference between an object's ACL and the built-in default for its kind and owner
 * (grantee already quoted, or PUBLIC): a privilege to grant, or a default one to revoke.
 */
export interface AclEntry {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
  /** A privilege the default has and the object does not. */
  readonly revoke?: boolean;
}

/** Owner/privilege switches of a dump (`--no-owner`, `--no-privileges` as pg_dump has them). */
export interface OwnershipOptions {
  readonly noOwner: boolean;
  readonly noPrivileges: boolean;
}

const GRANTEE = (col: string): string =>
  `CASE WHEN ${col} = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(${col})) END`;

/**
 * SQL that turns an ACL column into its differences from `defaults` (`acldefault(kind, owner)`),
 * as pg_dump does: revokes of default privileges the object lacks, then grants of what the
 * object has beyond the default, in the ACL's own order. Writing differences rather than the
 * whole ACL keeps a newer server's extra owner defaults (MAINTAIN on 17+) when an older
 * server's backup is restored. NULL means the object has the default ACL: nothing to write.
 */
export const aclJson = (
  acl: string,
  defaults = 'NULL::aclitem[]',
): string => `(CASE WHEN ${acl} IS NULL THEN NULL ELSE
  (SELECT json_agg(x.entry ORDER BY x.ord) FROM (
     SELECT json_build_object('grantee', ${GRANTEE('d.grantee')}, 'privilege', d.privilege_type,
              'grantable', d.is_grantable, 'revoke', true) AS entry, d.n - 1000000 AS ord
       FROM aclexplode(${defaults}) WITH ORDINALITY d(grantor, grantee, privilege_type, is_grantable, n)
      WHERE NOT EXISTS (SELECT 1 FROM aclexplode(${acl}) a WHERE a.grantee = d.grantee
              AND a.privilege_type = d.privilege_type AND a.is_grantable = d.is_grantable)
     UNION ALL
     SELECT json_build_object('grantee', ${GRANTEE('a.grantee')}, 'privilege', a.privilege_type,
              'grantable', a.is_grantable, 'revoke', false), a.n
       FROM aclexplode(${acl}) WITH ORDINALITY a(grantor, grantee, privilege_type, is_grantable, n)
      WHERE NOT EXISTS (SELECT 1 FROM aclexplode(${defaults}) d WHERE d.grantee = a.grantee
              AND d.privilege_type = a.privilege_type AND d.is_grantable = a.is_grantable)
  ) x) END)`;

/**
 * GRANT/REVOKE statements that turn the default ACL of a freshly created `object` into the
 * source's ACL, given its differences from the default ({@link aclJson}). Null or empty means
 * the default: nothing is written.
 */
export function grantStatements(
  kind: string,
  object: string,
  owner: string,
  entries: readonly AclEntry[] | null,
  options: OwnershipOptions,
  columns = '',
): string[] {
  if (entries === null || options.noPrivileges) return [];
  // Without owners, the owner's own entries go (as with pg_dump -O); column grants to the owner
  // are not among the owner's defaults and stay, as pg_dump keeps them.
  const kept = entries.filter((e) => !(options.noOwner && e.grantee === owner && columns === ''));
  return aclCommands(kept, `${kind} ${object}`, columns);
}

/**
 * `GRANT`/`REVOKE … ON <on> …;` for ACL differences, one statement per grantee, direction and
 * grant option (privileges joined, each followed by `columns` when given). `ALTER DEFAULT
 * PRIVILEGES` puts its own head before them.
 */
export function aclCommands(entries: readonly AclEntry[], on: string, columns = ''): string[] {
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    const key = `${e.revoke ? '-' : '+'}\u0000${e.grantee}\u0000${e.grantable ? '1' : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e.privilege]);
  }
  return [...groups].map(([key, privileges]) => {
    const [sign, grantee, grantable] = key.split('\u0000');
    const privs = privileges.map((p) => (columns === '' ? p : `${p}${columns}`)).join(',');
    return sign === '-'
      ? `REVOKE ${privs} ON ${on} FROM ${grantee};`
      : `GRANT ${privs} ON ${on} TO ${grantee}${grantable === '1' ? ' WITH GRANT OPTION' : ''};`;
  });
}

/** `ALTER <kind> <object> OWNER TO <owner>;` unless owners are left out. */
export function ownerStatement(
  kind: string,
  object: string,
  owner: string,
  options: OwnershipOptions,
): string[] {
  return options.noOwner ? [] : [`ALTER ${kind} ${object} OWNER TO ${owner};`];
}

/** `COMMENT ON <target> IS '...';` for a non-null comment. */
export function commentStatement(target: string, comment: string | null): string[] {
  if (comment === null) return [];
  return [`COMMENT ON ${target} IS ${literal(comment)};`];
}

function literal(value: string): string {
  const body = value.replaceAll("'", "''");
  return body.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}
