import { execFileSync } from 'node:child_process';
import type {
  ConnectionTarget,
  DumpScope,
  DumpWriter,
  Engine,
  TableSummary,
} from '../../src/engines/engine.js';

/** A full dump scope. */
export const FULL: DumpScope = { schema: true, data: true };

/** What {@link dumpToString} returns: the SQL and the summaries the session reported. */
export interface DumpedText {
  /** The dump decoded as UTF-8 (raw binary strings of a MySQL dump come out mangled: use `bytes`). */
  readonly sql: string;
  readonly bytes: Buffer;
  readonly tables: readonly TableSummary[];
  readonly checksumAlgorithm: string;
  readonly serverVersion: string;
  /** What the session warned about (`DumpSession.warnings`). */
  readonly warnings: readonly string[];
}

/** Options of {@link dumpToString}. */
export interface DumpToStringOptions {
  readonly signal?: AbortSignal;
  /** Called before each write resolves: a slow pipeline for snapshot tests. */
  readonly delayMs?: number;
  /** Called once per write, after the text (or a Buffer of UTF-8 bytes) was taken. */
  readonly onWrite?: (text: string | Buffer) => void | Promise<void>;
}

/**
 * Runs the phases of a DumpSession in the order the backup job does (header, schema, each
 * table's data, post-data, footer, close) and collects the text — a test stand-in for the
 * real backup pipeline.
 */
export async function dumpToString(
  engine: Engine,
  target: ConnectionTarget,
  scope: DumpScope = FULL,
  options: DumpToStringOptions = {},
): Promise<DumpedText> {
  // Buffers are UTF-8 bytes that may end inside a character: decode everything at the end.
  const parts: Buffer[] = [];
  const out: DumpWriter = {
    write: async (text) => {
      parts.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text));
      await options.onWrite?.(text);
      if (options.delayMs !== undefined) await new Promise((r) => setTimeout(r, options.delayMs));
    },
  };
  const session = await engine.openDump(target, scope, {
    signal: options.signal ?? new AbortController().signal,
  });
  const tables: TableSummary[] = [];
  try {
    await session.writeHeader(out);
    await session.writeSchema(out);
    for (const table of session.tables)
      tables.push(await session.writeTableData(table, out, () => undefined));
    await session.writePostData(out);
    await session.writeFooter(out);
  } finally {
    await session.close();
  }
  const bytes = Buffer.concat(parts);
  return {
    sql: bytes.toString('utf8'),
    bytes,
    tables,
    checksumAlgorithm: session.checksumAlgorithm,
    serverVersion: session.serverVersion,
    warnings: session.warnings?.() ?? [],
  };
}

/** Feeds text to a restore in chunks of `size` bytes, to exercise statements split across chunks. */
export async function* chunked(text: string | Buffer, size = 4096): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Path of the sqlite3 CLI the tests use as an oracle; a missing CLI fails the test. */
export const SQLITE3 = '/usr/bin/sqlite3';

/** `sqlite3 <file> .dump`, as bytes. */
export function cliDump(path: string): Buffer {
  return execFileSync(SQLITE3, [path, '.dump'], { maxBuffer: 1 << 30 });
}

/** Runs `sqlite3 <file>` with `sql` on stdin (`sqlite3 new.db < dump.sql`). */
export function cliRestore(path: string, sql: string | Buffer): void {
  execFileSync(SQLITE3, ['-bail', path], {
    input: sql,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Summaries as a name → summary map, for order-independent comparison. */
export function byName(tables: readonly TableSummary[]): Record<string, TableSummary> {
  return Object.fromEntries(tables.map((t) => [t.name, t]));
}
