import type { DumpWriter } from '../engine.js';
import { throwIfAborted } from '../../errors/index.js';
import type { PgClient } from './postgres-connect.js';
import { CHECKSUM_ALGORITHM, CopyChecksum, type ChecksumAlgorithm } from './postgres-checksum.js';
import { CopyOutQuery } from './postgres-copy-out.js';

/**
 * Session settings under which COPY text is canonical, so that a dump and a later `summarize`
 * of the restored copy produce the same lines: encoding, date/interval styles, time zone,
 * float precision and bytea format all change COPY's output. The search path is empty so that
 * every name the server prints (pg_get_*def, format_type, regclass) comes schema-qualified.
 * Transactions may write whatever the database's defaults say (a dump carries those
 * defaults, `ALTER DATABASE … SET default_transaction_read_only`, into what it restores).
 */
export async function prepareSession(client: PgClient): Promise<void> {
  await client.query(`SET client_encoding = 'UTF8'; SET DateStyle = ISO; SET IntervalStyle = postgres;
    SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = hex; SET xmloption = content;
    SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0; SET lock_timeout = '60s';
    SET row_security = off; SET default_transaction_read_only = off; SELECT pg_catalog.set_config('search_path', '', false)`);
}

/**
 * Smallest write to the pipeline, in bytes: the COPY bytes of a socket read (up to 64 KiB) of
 * at least this size go through as they are, smaller ones are joined first so that each write
 * is worth its trip through the pipeline's stages.
 */
const MIN_WRITE_BYTES = 32 * 1024;

/**
 * Runs `COPY <table> (<cols>) TO STDOUT`, feeding every row to a checksum and, when `out` is
 * given, writing the COPY bytes to it unchanged (UTF-8 under {@link prepareSession}; no decode
 * to a string and encode back). The socket is read only when `out` has taken the last chunk:
 * while a write is pending nothing is read, and TCP flow control pauses the server, so memory
 * stays flat whatever the table size (see {@link CopyOutQuery}).
 */
export async function copyOut(
  client: PgClient,
  copySql: string,
  out: DumpWriter | undefined,
  signal: AbortSignal,
  onRows: (rows: number) => void = () => undefined,
  algorithm: ChecksumAlgorithm = CHECKSUM_ALGORITHM,
): Promise<CopyChecksum> {
  const checksum = new CopyChecksum(algorithm);
  const query = new CopyOutQuery(copySql, checksum, out !== undefined);
  client.query(query);
  let parts: Buffer[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    await (out as DumpWriter).write(bytes);
  };
  try {
    for (;;) {
      const chunk = await query.read();
      if (chunk === null) break;
      if (out === undefined) {
        // A measuring pass: no bytes to pass on, but its caller still wants to see rows move.
        onRows(checksum.rows);
        throwIfAborted(signal);
        continue;
      }
      if (chunk.length === 0) continue;
      parts.push(chunk);
      size += chunk.length;
      if (size >= MIN_WRITE_BYTES) {
        await flush();
        onRows(checksum.rows);
        throwIfAborted(signal);
      }
    }
  } catch (err) {
    query.abandon();
    throw err;
  }
  if (size > 0) await flush();
  onRows(checksum.rows);
  return checksum;
}
