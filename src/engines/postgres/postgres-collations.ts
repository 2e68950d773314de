import { commentStatement, ownerStatement, type OwnershipOptions } from './postgres-acl.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import { quoteLiteral } from './postgres-sql.js';
import { USER_NS, notExtMember } from './postgres-unsupported.js';

/** A user collation; `row` is the whole pg_collation row, whose columns differ by version. */
export interface CollationRow {
  readonly oid: string;
  readonly qname: string;
  readonly owner: string;
  readonly comment: string | null;
  readonly row: Readonly<Record<string, string | boolean | null>>;
}

/** User collations (not those of extensions), in the dump's snapshot. */
export function readCollations(client: PgClient): Promise<CollationRow[]> {
  return rowsOf<CollationRow>(
    client,
    `SELECT c.oid::text AS oid, format('%I.%I', n.nspname, c.collname) AS qname,
       quote_ident(pg_get_userbyid(c.collowner)) AS owner,
       obj_description(c.oid, 'pg_collation') AS comment, to_jsonb(c) AS row
     FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
     WHERE ${USER_NS} AND ${notExtMember('pg_collation', 'c')}
     ORDER BY 2`,
  );
}

const PROVIDER: Readonly<Record<string, string>> = { c: 'libc', i: 'icu', b: 'builtin' };

/**
 * `CREATE COLLATION` as pg_dump writes it, from the catalog columns of any version: the
 * locale is `colllocale` (17+), `colliculocale` (15–16) or `collcollate` (ICU before 15, and
 * libc, which has `lc_collate`/`lc_ctype` of its own when they differ); ICU tailoring rules
 * (`collicurules`, 16+); `deterministic = false` for nondeterministic ones.
 */
export function collationDdl(c: CollationRow, o: OwnershipOptions): string[] {
  const r = c.row;
  const text = (k: string): string | null => (typeof r[k] === 'string' ? (r[k] as string) : null);
  const provider = String(r['collprovider']);
  const options = [`provider = ${PROVIDER[provider] ?? 'libc'}`];
  if (r['collisdeterministic'] === false) options.push('deterministic = false');
  if (provider === 'c') {
    const collate = text('collcollate') ?? '';
    const ctype = text('collctype') ?? '';
    options.push(
      collate === ctype
        ? `locale = ${quoteLiteral(collate)}`
        : `lc_collate = ${quoteLiteral(collate)}, lc_ctype = ${quoteLiteral(ctype)}`,
    );
  } else {
    const locale = text('colllocale') ?? text('colliculocale') ?? text('collcollate') ?? '';
    options.push(`locale = ${quoteLiteral(locale)}`);
    const rules = text('collicurules');
    if (rules !== null) options.push(`rules = ${quoteLiteral(rules)}`);
  }
  return [
    `CREATE COLLATION ${c.qname} (${options.join(', ')});`,
    ...ownerStatement('COLLATION', c.qname, c.owner, o),
    ...commentStatement(`COLLATION ${c.qname}`, c.comment),
  ];
}
