import cliProgress from 'cli-progress';
import type { EventSink, JobEvent } from './events.js';
import { formatBytes, formatCount } from './format.js';

/** Where renderers write; injectable so tests can read what a command printed. */
export interface Output {
  /** Human messages and progress. */
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  /** Data: results and `--json`. */
  readonly out: NodeJS.WritableStream;
}

/** How a command wants its progress shown. */
export interface RendererOptions {
  readonly json: boolean;
  /** Silence progress lines (warnings still show). */
  readonly quiet?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

/** A renderer: an event sink plus `close()` to stop bars before the final output. */
export interface Renderer {
  readonly sink: EventSink;
  close(): void;
}

/**
 * Picks the renderer: JSON lines on stderr for `--json`, a live progress bar only on a real
 * terminal outside CI, plain lines otherwise (logs, pipes, cron mail).
 */
export function createRenderer(output: Output, options: RendererOptions): Renderer {
  const env = options.env ?? process.env;
  if (options.json) return jsonLinesRenderer(output);
  const interactive = output.err.isTTY === true && !env.CI && env.TERM !== 'dumb';
  return interactive && !options.quiet
    ? barRenderer(output)
    : lineRenderer(output, options.quiet ?? false);
}

function jsonLinesRenderer(output: Output): Renderer {
  // Rows events are frequent; scripts want milestones, not a firehose.
  const sink: EventSink = (event) => {
    if (event.type === 'rows' || event.type === 'bytes' || event.type === 'flow') return;
    output.err.write(`${JSON.stringify({ event: event.type, ...withoutType(event) })}\n`);
  };
  return { sink, close: () => undefined };
}

function withoutType(event: JobEvent): Record<string, unknown> {
  const { type: _type, ...rest } = event;
  return rest;
}

function lineRenderer(output: Output, quiet: boolean): Renderer {
  const sink: EventSink = (event) => {
    switch (event.type) {
      case 'phase':
      case 'info':
        if (!quiet) output.err.write(`${event.message}\n`);
        break;
      case 'table-done':
        if (!quiet) {
          output.err.write(`  ${event.summary.name}: ${formatCount(event.summary.rows)} rows\n`);
        }
        break;
      case 'warning':
        output.err.write(`warning: ${event.message}\n`);
        break;
      default:
        break;
    }
  };
  return { sink, close: () => undefined };
}

function barRenderer(output: Output): Renderer {
  const bar = new cliProgress.SingleBar(
    {
      stream: output.err,
      format: ' {bar} {value}/{total} tables | {rows} rows | {bytes} | {rate}/s | {table}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  // A phase in the middle of tables (a restore starting to measure what it loaded) stops the
  // bar to print its line; more table progress after it brings the bar back where it was.
  let paused = false;
  let totalTables = 0;
  let tablesDone = 0;
  let rowsDone = 0;
  let tableRows = 0;
  let bytes = 0;
  const t0 = Date.now();
  const payload = (table: string): Record<string, string> => {
    const seconds = Math.max((Date.now() - t0) / 1000, 0.001);
    return {
      rows: formatCount(rowsDone + tableRows),
      bytes: formatBytes(bytes),
      rate: formatBytes(bytes / seconds),
      table,
    };
  };
  let current = '';
  const resume = (): void => {
    if (started || !paused) return;
    bar.start(totalTables, tablesDone, payload(current));
    started = true;
    paused = false;
  };
  const sink: EventSink = (event) => {
    if (event.type === 'table-start' || event.type === 'rows' || event.type === 'table-done')
      resume();
    switch (event.type) {
      case 'tables':
        paused = false;
        totalTables = event.total;
        tablesDone = 0;
        bar.start(event.total, 0, payload(''));
        started = true;
        break;
      case 'table-start':
        current = event.table;
        tableRows = 0;
        if (started) bar.update(payload(current));
        break;
      case 'rows':
        tableRows = event.rows;
        if (started) bar.update(payload(current));
        break;
      case 'bytes':
        bytes = event.bytes;
        if (started) bar.update(payload(current));
        break;
      case 'table-done':
        rowsDone += event.summary.rows;
        tableRows = 0;
        tablesDone++;
        if (started) bar.increment(1, payload(current));
        break;
      case 'warning':
        if (started) bar.stop();
        started = false;
        output.err.write(`warning: ${event.message}\n`);
        break;
      case 'phase':
      case 'info':
        if (started) {
          paused = true;
          bar.stop();
          started = false;
        }
        output.err.write(`${event.message}\n`);
        break;
    }
  };
  return {
    sink,
    close: () => {
      if (started) bar.stop();
    },
  };
}
