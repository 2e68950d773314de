import { StringDecoder } from 'node:string_decoder';
import copyStreams from 'pg-copy-streams';
import type { DumpWriter } from '../engine.js';
import { LifeboatError, throwIfAborted } from '../../errors/index.js';
import type { PgClient } from './postgres-connect.js';
import { CopyChecksum, LineSplitter } from './postgres-checksum.js';

/**
 * Session settings under which COPY text is canonical, so that a dump and a later `summarize`
 * of the restored copy produce the same lines: encoding, date/interval styles, time zone,
 * float precision and bytea format all change COPY's output. The search path is empty so that
 * every name the server prints (pg_get_*def, format_type, regclass) comes schema-qualified.
 */
export async function prepareSession(client: PgClient): Promise<void> {
  await client.query(`SET client_encoding = 'UTF8'; SET DateStyle = ISO; SET IntervalStyle = postgres;
    SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = hex; SET xmloption = content;
    SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0; SET lock_timeout = '60s';
    SET row_security = off; SELECT pg_catalog.set_config('search_path', '', false)`);
}

/** Flush threshold of the dump's text, in characters. */
const CHUNK_CHARS = 256 * 1024;

/**
 * Runs `COPY <table> (<cols>) TO STDOUT`, feeding every row to a checksum and, when `out` is
 * given, writing the text to it. The copy stream is read only as fast as `out` accepts text,
 * so the socket's own flow control paces the server and memory stays flat.
 */
export async function copyOut(
  client: PgClient,
  copySql: string,
  out: DumpWriter | undefined,
  signal: AbortSignal,
  onRows: (rows: number) => void = () => undefined,
): Promise<CopyChecksum> {
  const checksum = new CopyChecksum();
  const lines = new LineSplitter();
  const decoder = new StringDecoder('utf8');
  const stream = client.query(copyStreams.to(copySql));
  const addRange = (data: Buffer, start: number, end: number): void =>
    checksum.addRange(data, start, end);
  let parts: string[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    lines.pushRanges(chunk, addRange);
    if (out === undefined) continue;
    const text = decoder.write(chunk);
    parts.push(text);
    size += text.length;
    if (size >= CHUNK_CHARS) {
      await out.write(parts.join(''));
      parts = [];
      size = 0;
      onRows(checksum.rows);
      throwIfAborted(signal);
    }
  }
  if (lines.pending) {
    throw new LifeboatError('DB_ERROR', 'the server ended a COPY in the middle of a row', {
      hint: 'retry the backup; if it persists, check the server log',
    });
  }
  if (out !== undefined && size > 0) await out.write(parts.join('') + decoder.end());
  onRows(checksum.rows);
  return checksum;
}
