import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { nextRun, parseSchedule, scheduleInterval } from '../../src/scheduler/schedule.js';
import { parseDuration } from '../../src/scheduler/duration.js';

/** The next `n` runs after `from`, as ISO strings. */
function runs(text: string, from: string, n: number, timezone?: string): string[] {
  const schedule = parseSchedule(text, timezone);
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    at = nextRun(schedule, at)!;
    out.push(at.toISOString());
  }
  return out;
}

describe('parseSchedule', () => {
  it('translates shorthands to cron', () => {
    expect(parseSchedule('daily at 02:00').cron).toBe('0 2 * * *');
    expect(parseSchedule('hourly').cron).toBe('0 * * * *');
    expect(parseSchedule('weekly on sunday at 03:00').cron).toBe('0 3 * * 0');
    expect(parseSchedule('monthly on the 1st at 03:00').cron).toBe('0 3 1 * *');
    expect(parseSchedule('monthly on the last day at 23:30').cron).toBe('30 23 L * *');
    expect(parseSchedule('*/3 * * * * *').cron).toBe('*/3 * * * * *');
  });

  it('rejects nonsense with CONFIG_INVALID and a hint', () => {
    for (const bad of ['daily at 25:00', 'every tuesday', '0 2 * *', 'monthly on the 32nd']) {
      let caught: unknown;
      try {
        parseSchedule(bad);
      } catch (err) {
        caught = err;
      }
      expect(isLifeboatError(caught, 'CONFIG_INVALID'), bad).toBe(true);
      expect((caught as Error).message).toContain(`schedule "${bad}" is invalid`);
    }
    expect(() => parseSchedule('daily', 'Mars/Olympus')).toThrow(/invalid/);
  });
});

describe('nextRun', () => {
  it('fires at the wall-clock time in the plan time zone', () => {
    expect(runs('daily at 02:00', '2026-01-10T12:00:00Z', 2, 'Europe/Berlin')).toEqual([
      '2026-01-11T01:00:00.000Z',
      '2026-01-12T01:00:00.000Z',
    ]);
    expect(runs('daily at 02:00', '2026-07-10T12:00:00Z', 1, 'Europe/Berlin')).toEqual([
      '2026-07-11T00:00:00.000Z',
    ]);
  });

  it('runs once on the spring-forward day even though 02:30 does not exist', () => {
    // 2026-03-29 Europe/Berlin: 02:00 CET jumps to 03:00 CEST.
    expect(runs('daily at 02:30', '2026-03-28T12:00:00Z', 3, 'Europe/Berlin')).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('runs once on the fall-back day although 02:30 happens twice', () => {
    // 2026-10-25 Europe/Berlin: 03:00 CEST goes back to 02:00 CET.
    const got = runs('daily at 02:30', '2026-10-24T12:00:00Z', 3, 'Europe/Berlin');
    expect(got).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('keeps hourly runs hourly across DST changes', () => {
    const got = runs('hourly', '2026-03-29T00:30:00Z', 3, 'Europe/Berlin');
    expect(got).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
  });

  it('handles month ends: the 31st skips short months, "last day" does not', () => {
    expect(runs('0 3 31 * *', '2026-01-15T00:00:00Z', 3, 'UTC')).toEqual([
      '2026-01-31T03:00:00.000Z',
      '2026-03-31T03:00:00.000Z',
      '2026-05-31T03:00:00.000Z',
    ]);
    expect(runs('monthly on the last day at 02:00', '2026-01-15T00:00:00Z', 3, 'UTC')).toEqual([
      '2026-01-31T02:00:00.000Z',
      '2026-02-28T02:00:00.000Z',
      '2026-03-31T02:00:00.000Z',
    ]);
    expect(runs('monthly on the 1st at 03:00', '2026-12-15T00:00:00Z', 2, 'UTC')).toEqual([
      '2027-01-01T03:00:00.000Z',
      '2027-02-01T03:00:00.000Z',
    ]);
  });

  it('measures the schedule interval', () => {
    const at = new Date('2026-01-10T12:00:00Z');
    expect(scheduleInterval(parseSchedule('daily at 02:00', 'UTC'), at)).toBe(86_400_000);
    expect(scheduleInterval(parseSchedule('*/2 * * * * *'), at)).toBe(2000);
  });
});

describe('parseDuration', () => {
  it('reads seconds and unit suffixes', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});
