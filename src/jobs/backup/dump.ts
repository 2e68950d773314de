import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DumpSession, DumpWriter, TableSummary } from '../../engines/engine.js';
import { throwIfAborted } from '../../errors/index.js';
import type { EventSink } from '../../progress/events.js';

/**
 * A DumpWriter over a Writable: honours backpressure, so the dumper reads the database only as
 * fast as compression and storage can take it, and memory stays flat.
 */
export function writerFor(stream: Writable, signal: AbortSignal): DumpWriter {
  return {
    async write(text: string | Buffer): Promise<void> {
      throwIfAborted(signal);
      if (stream.destroyed) throw stream.errored ?? new Error('the backup pipeline was closed');
      if (!stream.write(text)) {
        // `once` rejects if the stream errors while we wait, so a failing store stops the dump.
        await once(stream, 'drain', { signal });
      }
    },
  };
}

/** Runs a dump session's phases in order into `out`; returns each table's summary. */
export async function runDump(
  session: DumpSession,
  out: DumpWriter,
  events: EventSink,
  signal: AbortSignal,
): Promise<TableSummary[]> {
  const summaries: TableSummary[] = [];
  const total = session.tables.length;
  events({ type: 'tables', total });
  await session.writeHeader(out);
  await session.writeSchema(out);
  for (const [index, table] of session.tables.entries()) {
    throwIfAborted(signal);
    events({ type: 'table-start', table: table.name, index, total });
    const summary = await session.writeTableData(table, out, (rows) =>
      events({ type: 'rows', table: table.name, rows }),
    );
    summaries.push(summary);
    events({ type: 'table-done', summary });
  }
  await session.writePostData(out);
  await session.writeFooter(out);
  return summaries;
}
