import { isLifeboatError, messageOf } from '../errors/index.js';
import { systemClock, type Clock } from './clock.js';
import { nextRun, type Schedule } from './schedule.js';

/** A plan as the scheduler needs it. */
export interface ScheduledPlan {
  readonly name: string;
  readonly schedule: Schedule;
  /** Run once at start-up when a run was due while the scheduler was not running. */
  readonly catchUp: boolean;
}

/** Why a run started. */
export type RunReason = 'schedule' | 'catch-up';

/** One thing the scheduler did, for the daemon's structured log. */
export interface SchedulerLogEntry {
  readonly level: 'info' | 'warn' | 'error';
  /** `scheduled`, `started`, `finished`, `skipped`, `catch-up`, `failed`, `stopped`. */
  readonly event: string;
  readonly plan?: string;
  readonly message: string;
  readonly at: Date;
  readonly nextRun?: Date;
}

/** What a {@link Scheduler} runs and reads. */
export interface SchedulerOptions {
  readonly plans: readonly ScheduledPlan[];
  /** Runs one plan; must honour `signal`. Errors are logged, never stop the scheduler. */
  run(plan: string, reason: RunReason, signal: AbortSignal): Promise<void>;
  /** When the plan last started (from the catalog); null when it never ran. */
  lastRun?(plan: string): Date | null;
  readonly clock?: Clock;
  log?(entry: SchedulerLogEntry): void;
}

/**
 * Runs each plan at its scheduled times: one run per plan at a time (a run due while the
 * previous one is still going is skipped and logged, because stacking backups of one database
 * only makes both slower), a run missed while down is made up once at start, and aborting the
 * signal given to {@link Scheduler.start} stops scheduling and aborts the running work.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #clock: Clock;
  readonly #running = new Map<string, Promise<void>>();
  readonly #next = new Map<string, Date>();

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** The next scheduled time of each plan (after start). */
  nextRuns(): ReadonlyMap<string, Date> {
    return this.#next;
  }

  /** Plans running now. */
  runningPlans(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Schedules every plan until `signal` fires; resolves once running work has ended (aborted
   * runs clean up after themselves before their promise settles).
   */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all(this.#options.plans.map((plan) => this.#loop(plan, signal)));
    await Promise.allSettled([...this.#running.values()]);
    this.#log({ level: 'info', event: 'stopped', message: 'scheduler stopped' });
  }

  async #loop(plan: ScheduledPlan, signal: AbortSignal): Promise<void> {
    this.#catchUp(plan, signal);
    let after = this.#clock.now();
    while (!signal.aborted) {
      const due = nextRun(plan.schedule, after);
      if (due === null) {
        this.#log({ level: 'warn', event: 'never', plan: plan.name, message: 'no future run' });
        return;
      }
      this.#next.set(plan.name, due);
      this.#log({
        level: 'info',
        event: 'scheduled',
        plan: plan.name,
        message: `next run at ${due.toISOString()}`,
        nextRun: due,
      });
      try {
        await this.#clock.sleep(due.getTime() - this.#clock.now().getTime(), signal);
      } catch (err) {
        if (signal.aborted || isLifeboatError(err, 'ABORTED')) return;
        throw err;
      }
      // After a suspend the clock may be far past `due`: fire once, then look ahead from now.
      after = new Date(Math.max(due.getTime(), this.#clock.now().getTime()));
      this.#launch(plan, 'schedule', signal, due);
    }
  }

  #catchUp(plan: ScheduledPlan, signal: AbortSignal): void {
    if (!plan.catchUp) return;
    const last = this.#options.lastRun?.(plan.name) ?? null;
    if (last === null) return;
    const missed = nextRun(plan.schedule, last);
    if (missed === null || missed.getTime() > this.#clock.now().getTime()) return;
    this.#log({
      level: 'info',
      event: 'catch-up',
      plan: plan.name,
      message: `the run due at ${missed.toISOString()} was missed; running it now`,
    });
    this.#launch(plan, 'catch-up', signal, missed);
  }

  #launch(plan: ScheduledPlan, reason: RunReason, signal: AbortSignal, due: Date): void {
    if (this.#running.has(plan.name)) {
      this.#log({
        level: 'warn',
        event: 'skipped',
        plan: plan.name,
        message: `the run due at ${due.toISOString()} was skipped: the previous run is still going`,
      });
      return;
    }
    this.#log({ level: 'info', event: 'started', plan: plan.name, message: `${reason} run` });
    const run = (async () => {
      try {
        await this.#options.run(plan.name, reason, signal);
        this.#log({ level: 'info', event: 'finished', plan: plan.name, message: 'run ended' });
      } catch (err) {
        this.#log({ level: 'error', event: 'failed', plan: plan.name, message: messageOf(err) });
      } finally {
        this.#running.delete(plan.name);
      }
    })();
    this.#running.set(plan.name, run);
  }

  #log(entry: Omit<SchedulerLogEntry, 'at'>): void {
    this.#options.log?.({ ...entry, at: this.#clock.now() });
  }
}
