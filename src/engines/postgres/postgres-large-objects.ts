import type { DumpWriter, TableSummary } from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import {
  aclJson,
  commentStatement,
  grantStatements,
  ownerStatement,
  type AclEntry,
  type OwnershipOptions,
} from './postgres-acl.js';
import { CopyChecksum, type ChecksumAlgorithm } from './postgres-checksum.js';
import { rowsOf, type PgClient } from './postgres-connect.js';

/**
 * The name under which manifests and summaries list a database's large objects, as if they
 * were one table (rows = large objects): no user table can live in `pg_catalog`.
 */
export const LARGE_OBJECTS_TABLE = 'pg_catalog.pg_largeobject';

/** Bytes read per `lo_get` and written per `lo_put`: memory stays flat whatever the size. */
const CHUNK = 1 << 20;

interface LargeObject {
  readonly oid: string;
  readonly owner: string;
  readonly acl: readonly AclEntry[] | null;
  readonly comment: string | null;
}

/** How many large objects the database holds (in the caller's snapshot). */
export async function countLargeObjects(client: PgClient): Promise<number> {
  const [row] = await rowsOf<{ n: string }>(
    client,
    'SELECT count(*)::text AS n FROM pg_catalog.pg_largeobject_metadata',
  );
  return Number(row?.n ?? 0);
}

async function readLargeObjects(client: PgClient): Promise<LargeObject[]> {
  return rowsOf<LargeObject>(
    client,
    `SELECT m.oid::text AS oid, quote_ident(pg_get_userbyid(m.lomowner)) AS owner,
       ${aclJson('m.lomacl', `acldefault('L', m.lomowner)`)} AS acl,
       obj_description(m.oid, 'pg_largeobject') AS comment
     FROM pg_catalog.pg_largeobject_metadata m ORDER BY m.oid`,
  );
}

/**
 * Reads one large object in chunks of {@link CHUNK} bytes (with `lo_get`, so SELECT on it is
 * enough, in the caller's snapshot), hashing each as the checksum defines, and hands each
 * chunk to `onChunk`. Returns the object's length.
 */
async function eachChunk(
  client: PgClient,
  oid: string,
  checksum: CopyChecksum,
  signal: AbortSignal,
  onChunk?: (offset: number, bytes: Buffer) => Promise<void>,
): Promise<number> {
  let offset = 0;
  for (;;) {
    throwIfAborted(signal);
    // As hex text: the session's type parsers leave bytea as the server's text anyway.
    const [row] = await rowsOf<{ hex: string }>(
      client,
      `SELECT encode(pg_catalog.lo_get($1::oid, $2::bigint, $3::int), 'hex') AS hex`,
      [oid, offset, CHUNK],
    );
    const bytes = Buffer.from(row?.hex ?? '', 'hex');
    if (bytes.length === 0) break;
    addLine(checksum, `${oid}\t${offset}\t`, bytes);
    await onChunk?.(offset, bytes);
    offset += bytes.length;
    if (bytes.length < CHUNK) break;
  }
  addLine(checksum, `${oid}\t${offset}`);
  return offset;
}

/** Adds `head` + `tail` to the checksum as one row. */
function addLine(checksum: CopyChecksum, head: string, tail?: Buffer): void {
  const line = Buffer.from(head, 'latin1');
  checksum.addLine(tail === undefined ? line : Buffer.concat([line, tail]));
}

/**
 * Writes every large object (in the dump's snapshot) as psql-runnable SQL — `lo_create` with
 * its OID, its bytes in `lo_put` chunks, then owner, comment and grants as pg_dump writes them —
 * and returns its summary: rows = large objects, checksum over each object's length and
 * chunks. `replace` first unlinks an object of the same OID (a data-only artifact, whose
 * restore replaces the data of an existing database, as pg_dump `--clean` writes it).
 */
export async function dumpLargeObjects(
  client: PgClient,
  out: DumpWriter,
  options: OwnershipOptions & {
    readonly replace: boolean;
    readonly signal: AbortSignal;
    readonly onRows: (rows: number) => void;
  },
): Promise<TableSummary> {
  const checksum = new CopyChecksum();
  const objects = await readLargeObjects(client);
  let done = 0;
  for (const lo of objects) {
    const head = [
      ...(options.replace
        ? [
            `SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '${lo.oid}';`,
          ]
        : []),
      `SELECT pg_catalog.lo_create('${lo.oid}');`,
    ];
    await out.write(`${head.join('\n')}\n`);
    await eachChunk(client, lo.oid, checksum, options.signal, (offset, bytes) =>
      out.write(
        `SELECT pg_catalog.lo_put('${lo.oid}', ${offset}, '\\x${bytes.toString('hex')}');\n`,
      ),
    );
    const target = `LARGE OBJECT ${lo.oid}`;
    const tail = [
      ...ownerStatement('LARGE OBJECT', lo.oid, lo.owner, options),
      ...commentStatement(target, lo.comment),
      ...grantStatements('LARGE OBJECT', lo.oid, lo.owner, lo.acl, options),
    ];
    await out.write(`${tail.map((s) => `${s}\n`).join('')}\n`);
    options.onRows(++done);
  }
  return { name: LARGE_OBJECTS_TABLE, rows: objects.length, checksum: checksum.toString() };
}

/** The summary {@link dumpLargeObjects} returned, measured again (after a restore). */
export async function measureLargeObjects(
  client: PgClient,
  algorithm: ChecksumAlgorithm,
  signal: AbortSignal,
): Promise<TableSummary> {
  const checksum = new CopyChecksum(algorithm);
  const oids = await rowsOf<{ oid: string }>(
    client,
    'SELECT oid::text AS oid FROM pg_catalog.pg_largeobject_metadata',
  );
  for (const { oid } of oids) await eachChunk(client, oid, checksum, signal);
  return { name: LARGE_OBJECTS_TABLE, rows: oids.length, checksum: checksum.toString() };
}
