import { LifeboatError } from '../../errors/index.js';
import type { EventSink, JobEvent } from '../../progress/events.js';
import type { DataFlow } from '../../progress/flow.js';

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
  /**
   * The stage the run is in (`pre-hooks`, `dump`, `upload`, `verify`, `prune`, ...); after a
   * stall, the stage that stopped (`dump`, `compress`, `encrypt`, `upload:<destination>`, ...).
   */
  stage(): string;
  /** STALLED or TIMEOUT when the watch stopped the run; undefined otherwise. */
  reason(): LifeboatError | undefined;
  stop(): void;
}

/**
 * A stall is "no data moved for `stallMs`". Data moving is either an event (rows, bytes,
 * phases) or, during a backup, a change of the byte counters its pipeline shares with a
 * `flow` event (dump, compress, encrypt, one upload per destination; read here a few times
 * per `stallMs`, never per chunk). The stage named is the one the flow blames: the first in
 * flow order that is neither finished nor held back by the next, so backpressure from a stuck
 * upload names `upload:<destination>`, not the dump it stopped. Outside the backup's streams
 * it is the phase (`verify`, `prune`); without a flow (a bare dump), `dump` while tables are
 * read and `upload` after.
 */
export function watchRun(
  parent: AbortSignal,
  events: EventSink,
  options: RunWatchOptions,
): RunWatch {
  const controller = new AbortController();
  let reason: LifeboatError | undefined;
  let phase = 'start';
  let stalledIn: string | undefined;
  let armed = false;
  let lastProgress = Date.now();
  let tables = { total: -1, done: 0 };
  let flow: DataFlow | undefined;
  let flowTotal = 0;

  const stopWith = (error: LifeboatError): void => {
    if (controller.signal.aborted) return;
    reason = error;
    controller.abort(error);
  };
  /** The phase, refined by what the dump has done: after the last table only storage is left. */
  const current = (): string =>
    phase === 'dump' && tables.total >= 0 && tables.done >= tables.total ? 'upload' : phase;
  const blamed = (): string => {
    if (phase !== 'dump' || flow === undefined) return current();
    // Every stream finished: what is left of the backup is storing its manifests.
    return flow.blame() ?? 'upload';
  };
  const check = (): void => {
    if (flow !== undefined && flow.total() !== flowTotal) {
      flowTotal = flow.total();
      lastProgress = Date.now();
    }
    if (!armed || Date.now() - lastProgress < options.stallMs) return;
    const stage = blamed();
    stalledIn = stage;
    const seconds = Math.round(options.stallMs / 100) / 10;
    const destination = stage.startsWith('upload:') ? stage.slice('upload:'.length) : undefined;
    stopWith(
      new LifeboatError(
        'STALLED',
        `plan "${options.plan}" stalled in ${stage}: no data moved for ${seconds}s`,
        {
          hint: stallHint(stage),
          details: {
            plan: options.plan,
            stage,
            ...(destination === undefined ? {} : { destination }),
            stallTimeoutMs: options.stallMs,
            ...(phase === 'dump' && flow ? { flow: flow.snapshot() } : {}),
          },
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
          const stage = current();
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
    if (event.type === 'phase') phase = event.phase;
    else if (event.type === 'tables') tables = { total: event.total, done: 0 };
    else if (event.type === 'table-done') tables.done += 1;
    else if (event.type === 'flow') {
      flow = event.flow;
      flowTotal = flow.total();
    }
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
    stage: () => stalledIn ?? current(),
    reason: () => reason,
    stop: () => {
      clearInterval(interval);
      if (timeout) clearTimeout(timeout);
    },
  };
}

/** What to look at, per stage a run stalled in (docs/scheduling.md has the same table). */
function stallHint(stage: string): string {
  const kind = stage.split(':')[0];
  switch (kind) {
    case 'dump':
      return 'the database stopped sending rows: look for locks or a long transaction holding the tables';
    case 'compress':
    case 'encrypt':
      return `${kind}ion stopped producing output: check the machine's CPU and memory (is the process starved or swapping?)`;
    case 'upload':
      return stage === 'upload'
        ? 'the storage stopped accepting data: check the network and the destination'
        : `storage "${stage.slice('upload:'.length)}" stopped accepting data: check the network and that destination`;
    case 'verify':
      return 'verification stopped: the storage stopped sending the artifact back, or the scratch database is blocked';
    case 'prune':
      return 'the storage stopped answering while old backups were removed: check the network and the destination';
    default:
      return 'raise "stall_timeout" in the plan if this stage is legitimately slow';
  }
}
