import { LifeboatError } from '../../errors/index.js';
import type { EventSink, JobEvent } from '../../progress/events.js';

/** Limits of one plan run. */
export interface RunWatchOptions {
  /** Abort when no data moves for this long while armed. */
  readonly stallMs: number;
  /** Abort when the whole run takes longer than this. */
  readonly timeoutMs: number | undefined;
  readonly plan: string;
}

/** Watches a run's events and aborts it when it stalls or runs out of time. */
export interface RunWatch {
  /** Aborts when the parent does, when the run stalls, or at the timeout. */
  readonly signal: AbortSignal;
  /** Forwards events to the real sink and notes progress and the current stage. */
  readonly sink: EventSink;
  /** Stall checks apply only between arm and disarm: hooks and notifications move no data. */
  arm(): void;
  disarm(): void;
  /** The stage the run is in: `pre-hooks`, `dump`, `upload`, `verify`, ... */
  stage(): string;
  /** STALLED or TIMEOUT when the watch stopped the run; undefined otherwise. */
  reason(): LifeboatError | undefined;
  stop(): void;
}

/**
 * A stall is "no progress event for `stallMs`": the dump reports rows and bytes as data moves
 * through the pipeline, so silence means a stage stopped. The stage named is derived from the
 * events: while tables are still being read it is `dump`; once the last table is done and the
 * run is still waiting, the bytes are stuck downstream (compression or the storage), reported
 * as `upload`.
 */
export function watchRun(
  parent: AbortSignal,
  events: EventSink,
  options: RunWatchOptions,
): RunWatch {
  const controller = new AbortController();
  let reason: LifeboatError | undefined;
  let stage = 'start';
  let armed = false;
  let lastProgress = Date.now();
  let tables = { total: -1, done: 0 };

  const stopWith = (error: LifeboatError): void => {
    if (controller.signal.aborted) return;
    reason = error;
    controller.abort(error);
  };
  const check = (): void => {
    if (!armed || Date.now() - lastProgress < options.stallMs) return;
    const seconds = Math.round(options.stallMs / 100) / 10;
    stopWith(
      new LifeboatError(
        'STALLED',
        `plan "${options.plan}" stalled in ${stage}: no data moved for ${seconds}s`,
        {
          hint: stallHint(stage),
          details: { plan: options.plan, stage, stallTimeoutMs: options.stallMs },
        },
      ),
    );
  };
  const interval = setInterval(check, Math.min(Math.max(options.stallMs / 4, 50), 5000));
  interval.unref();
  const timeout =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          stopWith(
            new LifeboatError(
              'TIMEOUT',
              `plan "${options.plan}" took longer than its timeout (${Math.round(options.timeoutMs! / 1000)}s) in ${stage}`,
              {
                hint: 'raise "timeout" in the plan, or find out why the run got slower',
                details: { plan: options.plan, stage, timeoutMs: options.timeoutMs },
              },
            ),
          );
        }, options.timeoutMs);
  timeout?.unref();

  const note = (event: JobEvent): void => {
    lastProgress = Date.now();
    if (event.type === 'phase') stage = event.phase;
    else if (event.type === 'tables') tables = { total: event.total, done: 0 };
    else if (event.type === 'table-done') tables.done += 1;
    if (stage === 'dump' && tables.total >= 0 && tables.done >= tables.total) stage = 'upload';
  };

  return {
    signal: AbortSignal.any([parent, controller.signal]),
    sink: (event) => {
      note(event);
      events(event);
    },
    arm: () => {
      armed = true;
      lastProgress = Date.now();
    },
    disarm: () => {
      armed = false;
    },
    stage: () => stage,
    reason: () => reason,
    stop: () => {
      clearInterval(interval);
      if (timeout) clearTimeout(timeout);
    },
  };
}

function stallHint(stage: string): string {
  switch (stage) {
    case 'dump':
      return 'the database stopped sending rows: look for locks or a long transaction holding the tables';
    case 'upload':
      return 'the storage stopped accepting data: check the network and the destination';
    default:
      return 'raise "stall_timeout" in the plan if this stage is legitimately slow';
  }
}
