import type { MeasureProgress, TableSummary } from '../../engines/engine.js';
import type { EventSink } from '../../progress/events.js';

/** The phase message of a measuring pass whose summaries are compared with a manifest. */
export const CHECKING_AGAINST_MANIFEST = 'checking restored tables against the manifest';

/** Turns a restore's measuring pass into job events; see {@link measureEvents}. */
export interface MeasureEvents {
  readonly onMeasure: (progress: MeasureProgress) => void;
  /** `table-done` for the restored tables the engine did not report as measured. */
  finish(tables: readonly TableSummary[]): void;
}

/**
 * After the SQL is in, a restore re-reads every restored table to count and checksum it, which
 * on a big database takes minutes and moves no bytes. Its reports become a `phase` (under the
 * job's own phase name, so a plan's stall watch keeps naming the stage it is in), `table-start`,
 * `rows` and `table-done`: a bar keeps moving and a watch sees progress.
 */
export function measureEvents(events: EventSink, phase: string, message: string): MeasureEvents {
  const done = new Set<string>();
  let announced = false;
  let current = -1;
  return {
    onMeasure: (p) => {
      if (!announced) {
        announced = true;
        events({ type: 'phase', phase, message });
      }
      if (p.index !== current) {
        current = p.index;
        events({ type: 'table-start', table: p.table, index: p.index, total: p.total });
      }
      if (p.summary) {
        done.add(p.summary.name);
        events({ type: 'table-done', summary: p.summary });
      } else {
        events({ type: 'rows', table: p.table, rows: p.rows });
      }
    },
    finish: (tables) => {
      for (const summary of tables)
        if (!done.has(summary.name)) events({ type: 'table-done', summary });
    },
  };
}
