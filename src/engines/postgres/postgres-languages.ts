import {
  aclJson,
  commentStatement,
  grantStatements,
  ownerStatement,
  type AclEntry,
  type OwnershipOptions,
} from './postgres-acl.js';
import { key } from './postgres-catalog.js';
import { rowsOf, type PgClient } from './postgres-connect.js';
import type { DdlItem } from './postgres-order.js';
import { notExtMember } from './postgres-unsupported.js';

const PG_LANGUAGE = 2612;

/** Languages a user created (not built in, not an extension's, as plpgsql is). */
export const USER_LANGUAGES = `FROM pg_language x WHERE x.oid >= 16384 AND ${notExtMember('pg_language', 'x')}`;

interface LanguageRow {
  readonly oid: string;
  readonly name: string;
  readonly create: string;
  readonly owner: string;
  readonly acl: AclEntry[] | null;
  readonly comment: string | null;
}

/**
 * Procedural languages created with CREATE LANGUAGE rather than an extension: trusted or not,
 * handler, inline handler and validator, owner, comment and grants. They come before the
 * functions written in them (which depend on them) and after their handlers.
 */
export async function languageItems(client: PgClient, o: OwnershipOptions): Promise<DdlItem[]> {
  const rows = await rowsOf<LanguageRow>(
    client,
    `SELECT x.oid::text AS oid, quote_ident(x.lanname) AS name,
       format('CREATE %sPROCEDURAL LANGUAGE %I HANDLER %s%s%s;', CASE WHEN x.lanpltrusted THEN 'TRUSTED ' END,
         x.lanname, x.lanplcallfoid::regproc::text, ' INLINE ' || NULLIF(x.laninline, 0)::regproc::text,
         ' VALIDATOR ' || NULLIF(x.lanvalidator, 0)::regproc::text) AS create,
       quote_ident(pg_get_userbyid(x.lanowner)) AS owner, ${aclJson('x.lanacl', "acldefault('l', x.lanowner)")} AS acl,
       obj_description(x.oid, 'pg_language') AS comment
     ${USER_LANGUAGES} ORDER BY x.lanname`,
  );
  return rows.map((l) => ({
    key: key(PG_LANGUAGE, l.oid),
    priority: 2.8,
    name: l.name,
    sql: [
      l.create,
      ...ownerStatement('LANGUAGE', l.name, l.owner, o),
      ...commentStatement(`LANGUAGE ${l.name}`, l.comment),
      ...grantStatements('LANGUAGE', l.name, l.owner, l.acl, o),
    ],
  }));
}
