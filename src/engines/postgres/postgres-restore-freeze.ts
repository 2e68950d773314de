import type { PgClient } from './postgres-connect.js';
import { QNAME } from './postgres-names.js';
import { PLAIN_COPY_FROM_STDIN } from './postgres-splitter.js';

/** The table of a `COPY name [(columns)] FROM stdin`. */
const COPY_TARGET = new RegExp(String.raw`^COPY\s+(${QNAME})\s*(?:\(|FROM\b)`, 'i');

/**
 * The table this COPY may load frozen (`COPY … WITH (FREEZE)`), as the dump names it, or
 * undefined. Frozen rows need no hint bits: the index builds after the data and the first
 * reads would otherwise set them on every page, writing the whole table a second time (a ~15%
 * slower load of the benchmark dataset). The caller asks only in a database it loads in
 * autocommit and nobody else sees; this checks the rest: a plain table (not partitioned, not
 * foreign) that is still empty, has no trigger (the TRUNCATE that FREEZE needs would fire one)
 * and no foreign key pointing at it (TRUNCATE would refuse), and a plain `COPY … FROM stdin`
 * without options of its own. A failed query throws the server's error.
 */
export async function freezableTable(client: PgClient, text: string): Promise<string | undefined> {
  if (!PLAIN_COPY_FROM_STDIN.test(text)) return undefined;
  // The name as the dump wrote it: resolved by the same search_path as the COPY itself.
  const name = COPY_TARGET.exec(text)?.[1];
  if (name === undefined) return undefined;
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT c.relkind = 'r'
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.confrelid = c.oid)
       AND NOT EXISTS (SELECT FROM ONLY ${name}) AS ok
     FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass`,
    [name],
  );
  return rows[0]?.ok === true ? name : undefined;
}
