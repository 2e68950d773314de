/** One entry of an ACL, as `aclexplode` returns it (grantee already quoted, or PUBLIC). */
export interface AclEntry {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/** Owner/privilege switches of a dump (`--no-owner`, `--no-privileges` as pg_dump has them). */
export interface OwnershipOptions {
  readonly noOwner: boolean;
  readonly noPrivileges: boolean;
}

/**
 * SQL that exposes an ACL column as JSON entries for {@link grantStatements}, in the ACL's own
 * order: granting in that order rebuilds the same array, which pg_dump prints as it is.
 */
export const aclJson = (acl: string): string => `(SELECT json_agg(json_build_object(
  'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
  'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.n)
  FROM aclexplode(${acl}) WITH ORDINALITY a(grantor, grantee, privilege_type, is_grantable, n))`;

/**
 * GRANT/REVOKE statements that give `object` exactly the ACL `entries`. A null ACL means the
 * built-in default, which a freshly created object already has, so nothing is written. Otherwise
 * the defaults are revoked first (PUBLIC's and the owner's) and each entry granted again: the
 * result is the same ACL whatever the defaults of the server version are.
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
  const out: string[] = [];
  if (columns === '') {
    out.push(`REVOKE ALL ON ${kind} ${object} FROM PUBLIC;`);
    if (!options.noOwner) out.push(`REVOKE ALL ON ${kind} ${object} FROM ${owner};`);
  }
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (options.noOwner && e.grantee === owner) continue;
    const key = `${e.grantee}\u0000${e.grantable ? '1' : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e.privilege]);
  }
  for (const [key, privileges] of groups) {
    const [grantee, grantable] = key.split('\u0000');
    const privs = privileges.map((p) => (columns === '' ? p : `${p}${columns}`)).join(',');
    out.push(
      `GRANT ${privs} ON ${kind} ${object} TO ${grantee}${grantable === '1' ? ' WITH GRANT OPTION' : ''};`,
    );
  }
  return out;
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
