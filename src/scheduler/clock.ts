import { abortedError } from '../errors/index.js';

/**
 * Time as the scheduler sees it. Injectable so tests can move time by hours (across DST
 * changes and month ends) without sleeping for real.
 */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`; rejects with ABORTED as soon as `signal` fires. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real clock. Long sleeps are split because setTimeout overflows past ~24.8 days. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortedError(signal.reason));
      const step = Math.min(Math.max(ms, 0), 2 ** 31 - 1);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        if (ms > step) systemClock.sleep(ms - step, signal).then(resolve, reject);
        else resolve();
      }, step);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortedError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told to. {@link ManualClock.advance} wakes sleepers in time
 * order and lets the woken code run (and go back to sleep) before moving on, so a scheduler
 * driven by it behaves as it would over the same span of real time.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];

  constructor(start: Date) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortedError(signal.reason));
      const sleeper: Sleeper = {
        until: this.#now + Math.max(ms, 0),
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(abortedError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const due = this.#sleepers
        .filter((s) => s.until <= target)
        .sort((a, b) => a.until - b.until)[0];
      if (due === undefined) break;
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      this.#now = Math.max(this.#now, due.until);
      due.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Moves time to `at`. */
  advanceTo(at: Date): Promise<void> {
    return this.advance(at.getTime() - this.#now);
  }
}

/** Lets pending promise chains (and I/O callbacks already queued) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
