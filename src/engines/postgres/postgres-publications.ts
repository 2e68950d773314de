import { commentStatement, ownerStatement, type OwnershipOptions } from './postgres-acl.js';
import { rowsOf, type PgClient } from './postgres-connect.js';

interface PublicationRow {
  readonly name: string;
  readonly all: boolean;
  readonly publish: string;
  readonly viaroot: boolean;
  readonly owner: string;
  readonly comment: string | null;
}

interface MemberRow {
  readonly pub: string;
  readonly sql: string;
}

/**
 * The database's publications as pg_dump writes them: CREATE with `FOR ALL TABLES` and its
 * options, owner and comment, then each table (`ONLY`, with its column list and row filter on
 * PostgreSQL 15+) and each schema (15+) added with `ALTER PUBLICATION`.
 */
export async function publicationStatements(
  client: PgClient,
  o: OwnershipOptions,
): Promise<string[]> {
  const [version] = await rowsOf<{ num: string }>(
    client,
    `SELECT current_setting('server_version_num') AS num`,
  );
  const v15 = Number(version?.num ?? 0) >= 150000;
  const publications = await rowsOf<PublicationRow>(
    client,
    `SELECT quote_ident(p.pubname) AS name, p.puballtables AS all,
       concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
         CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END) AS publish,
       p.pubviaroot AS viaroot, quote_ident(pg_get_userbyid(p.pubowner)) AS owner,
       obj_description(p.oid, 'pg_publication') AS comment
     FROM pg_publication p ORDER BY p.pubname`,
  );
  if (publications.length === 0) return [];
  const columns = v15
    ? `|| COALESCE(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
          FROM unnest(pr.prattrs::int2[]) WITH ORDINALITY k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k.attnum) || ')', '')
       || COALESCE(' WHERE (' || pg_get_expr(pr.prqual, pr.prrelid) || ')', '')`
    : '';
  const members = await rowsOf<MemberRow>(
    client,
    `SELECT quote_ident(p.pubname) AS pub,
       format('ALTER PUBLICATION %I ADD TABLE ONLY %I.%I', p.pubname, n.nspname, c.relname) ${columns} || ';' AS sql,
       1 AS o, n.nspname AS s, c.relname AS r
     FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
       JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     ${
       v15
         ? `UNION ALL
     SELECT quote_ident(p.pubname), format('ALTER PUBLICATION %I ADD TABLES IN SCHEMA %I;', p.pubname, n.nspname),
       2, n.nspname, ''
     FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid
       JOIN pg_namespace n ON n.oid = pn.pnnspid`
         : ''
     }
     ORDER BY 1, 3, 4, 5`,
  );
  return publications.flatMap((p) => [
    `CREATE PUBLICATION ${p.name}${p.all ? ' FOR ALL TABLES' : ''} WITH (publish = '${p.publish}'${p.viaroot ? ', publish_via_partition_root = true' : ''});`,
    ...ownerStatement('PUBLICATION', p.name, p.owner, o),
    ...commentStatement(`PUBLICATION ${p.name}`, p.comment),
    ...members.filter((m) => m.pub === p.name).map((m) => m.sql),
  ]);
}
