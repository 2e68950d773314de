import type { JobEvent } from '../progress/events.js';

/** One structured log line of the daemon. */
export interface DaemonLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly event: string;
  readonly message: string;
  readonly plan?: string;
  readonly at?: Date;
  readonly [field: string]: unknown;
}

/** Writes daemon log entries. */
export type DaemonLog = (entry: DaemonLogEntry) => void;

/**
 * JSON lines for log collectors (journald, Docker, Loki), or readable lines on a terminal.
 * Every line is written whole in one call, so lines from concurrent plans never interleave.
 */
export function createDaemonLog(
  stream: NodeJS.WritableStream,
  options: { readonly readable: boolean },
): DaemonLog {
  return (entry) => {
    const { at, level, event, message, plan, ...fields } = entry;
    const time = (at ?? new Date()).toISOString();
    if (!options.readable) {
      stream.write(
        `${JSON.stringify({ time, level, event, ...(plan ? { plan } : {}), message, ...fields })}\n`,
      );
      return;
    }
    const where = plan ? ` [${plan}]` : '';
    stream.write(`${time} ${level.toUpperCase().padEnd(5)}${where} ${message}\n`);
  };
}

/**
 * Turns a run's job events into log entries. Rows and bytes are progress ticks, far too many
 * for a log; phases, warnings and notes are what an operator reads afterwards.
 */
export function eventsToLog(log: DaemonLog, plan: string): (event: JobEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'phase':
        log({ level: 'info', event: 'phase', plan, phase: event.phase, message: event.message });
        break;
      case 'warning':
        log({ level: 'warn', event: 'warning', plan, message: event.message });
        break;
      case 'info':
        log({ level: 'info', event: 'info', plan, message: event.message });
        break;
      default:
        break;
    }
  };
}
