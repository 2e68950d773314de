import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/scheduler/clock.js';
import { parseSchedule } from '../../src/scheduler/schedule.js';
import {
  Scheduler,
  type SchedulerLogEntry,
  type SchedulerOptions,
} from '../../src/scheduler/scheduler.js';

interface Harness {
  readonly clock: ManualClock;
  readonly started: { plan: string; reason: string; at: string }[];
  readonly logs: SchedulerLogEntry[];
  readonly stop: () => Promise<void>;
}

/** A scheduler on a manual clock whose runs last `runMs` of (manual) time. */
function harness(
  start: string,
  plans: SchedulerOptions['plans'],
  options: { runMs?: number; lastRun?: (plan: string) => Date | null } = {},
): Harness {
  const clock = new ManualClock(new Date(start));
  const started: Harness['started'] = [];
  const logs: SchedulerLogEntry[] = [];
  const controller = new AbortController();
  const scheduler = new Scheduler({
    plans,
    clock,
    log: (e) => logs.push(e),
    ...(options.lastRun ? { lastRun: options.lastRun } : {}),
    run: async (plan, reason, signal) => {
      started.push({ plan, reason, at: clock.now().toISOString() });
      if (options.runMs) await clock.sleep(options.runMs, signal);
    },
  });
  const done = scheduler.start(controller.signal);
  return {
    clock,
    started,
    logs,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

const plan = (schedule: string, timezone?: string, catchUp = true) => ({
  name: 'nightly',
  schedule: parseSchedule(schedule, timezone),
  catchUp,
});

describe('Scheduler', () => {
  it('runs a plan at each scheduled time across the spring-forward change', async () => {
    const h = harness('2026-03-27T12:00:00Z', [plan('daily at 02:30', 'Europe/Berlin')]);
    await h.clock.advanceTo(new Date('2026-03-31T12:00:00Z'));
    await h.stop();
    expect(h.started.map((s) => s.at)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('runs exactly once on the fall-back day', async () => {
    const h = harness('2026-10-24T12:00:00Z', [plan('daily at 02:30', 'Europe/Berlin')]);
    await h.clock.advanceTo(new Date('2026-10-26T12:00:00Z'));
    await h.stop();
    expect(h.started.map((s) => s.at)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('runs on month ends', async () => {
    const h = harness('2026-01-30T00:00:00Z', [plan('monthly on the last day at 02:00', 'UTC')]);
    await h.clock.advanceTo(new Date('2026-04-01T00:00:00Z'));
    await h.stop();
    expect(h.started.map((s) => s.at)).toEqual([
      '2026-01-31T02:00:00.000Z',
      '2026-02-28T02:00:00.000Z',
      '2026-03-31T02:00:00.000Z',
    ]);
  });

  it('never overlaps: a run due while the previous one goes on is skipped and logged', async () => {
    // Every minute, but each run takes 150 s.
    const h = harness('2026-01-01T00:00:30Z', [plan('* * * * *', 'UTC')], { runMs: 150_000 });
    await h.clock.advanceTo(new Date('2026-01-01T00:06:30Z'));
    await h.stop();
    expect(h.started.map((s) => s.at)).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:04:00.000Z',
    ]);
    const skipped = h.logs.filter((l) => l.event === 'skipped');
    expect(skipped.length).toBe(4);
    expect(skipped[0]?.message).toContain('the previous run is still going');
  });

  it('catches up once on a run missed while down, then follows the schedule', async () => {
    const h = harness('2026-01-05T12:00:00Z', [plan('daily at 02:00', 'UTC')], {
      // Last ran three days ago: three runs were missed, but only one is made up.
      lastRun: () => new Date('2026-01-02T02:00:00Z'),
    });
    await h.clock.advanceTo(new Date('2026-01-06T12:00:00Z'));
    await h.stop();
    expect(h.started).toEqual([
      { plan: 'nightly', reason: 'catch-up', at: '2026-01-05T12:00:00.000Z' },
      { plan: 'nightly', reason: 'schedule', at: '2026-01-06T02:00:00.000Z' },
    ]);
  });

  it('does not catch up when disabled or when nothing was missed', async () => {
    const off = harness('2026-01-05T12:00:00Z', [plan('daily at 02:00', 'UTC', false)], {
      lastRun: () => new Date('2026-01-02T02:00:00Z'),
    });
    const fresh = harness('2026-01-05T12:00:00Z', [plan('daily at 02:00', 'UTC')], {
      lastRun: () => new Date('2026-01-05T02:00:00Z'),
    });
    await off.clock.advance(60_000);
    await fresh.clock.advance(60_000);
    await off.stop();
    await fresh.stop();
    expect(off.started).toEqual([]);
    expect(fresh.started).toEqual([]);
  });

  it('shuts down: aborting stops scheduling and aborts the running work', async () => {
    let aborted = false;
    const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const controller = new AbortController();
    const scheduler = new Scheduler({
      plans: [plan('* * * * *', 'UTC')],
      clock,
      run: async (_plan, _reason, signal) => {
        try {
          await clock.sleep(3_600_000, signal);
        } catch {
          aborted = true;
        }
      },
    });
    const done = scheduler.start(controller.signal);
    await clock.advance(61_000);
    expect(scheduler.runningPlans()).toEqual(['nightly']);
    controller.abort();
    await done;
    expect(aborted).toBe(true);
    expect(scheduler.runningPlans()).toEqual([]);
  });
});
