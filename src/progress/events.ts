import type { TableSummary } from '../engines/engine.js';
import type { DataFlow } from './flow.js';

/**
 * What a job reports while it runs. Jobs never print: they emit these, and a renderer (text on
 * a terminal, plain lines in logs, JSON lines for scripts) shows them.
 */
export type JobEvent =
  | { readonly type: 'phase'; readonly phase: string; readonly message: string }
  | { readonly type: 'tables'; readonly total: number; readonly estimatedRows?: number }
  | {
      readonly type: 'table-start';
      readonly table: string;
      readonly index: number;
      readonly total: number;
    }
  | { readonly type: 'rows'; readonly table: string; readonly rows: number }
  | { readonly type: 'table-done'; readonly summary: TableSummary }
  | { readonly type: 'bytes'; readonly bytes: number }
  /** A backup's byte counters per stage, sent once when its pipeline is built; read, not logged. */
  | { readonly type: 'flow'; readonly flow: DataFlow }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'info'; readonly message: string };

/** Receives job events; renderers implement it. */
export type EventSink = (event: JobEvent) => void;

/** A sink that drops everything, for programmatic callers that do not care. */
export const silentSink: EventSink = () => undefined;
