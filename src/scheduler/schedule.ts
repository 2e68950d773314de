import { Cron } from 'croner';
import { LifeboatError } from '../errors/index.js';

/** A parsed plan schedule: a cron pattern (5 or 6 fields) evaluated in a time zone. */
export interface Schedule {
  /** What the user wrote (`daily at 02:00`, `0 2 * * *`). */
  readonly source: string;
  /** The cron pattern it means; 6 fields when seconds matter. */
  readonly cron: string;
  /** IANA zone (`Europe/Berlin`); undefined means the process's local time (TZ). */
  readonly timezone: string | undefined;
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const TIME = String.raw`(?:\s+at\s+(\d{1,2}):(\d{2}))?`;

/**
 * Shorthands people write in YAML, translated to cron. The time defaults to midnight, and
 * `monthly on the last day` uses croner's `L` so that month ends need no special casing.
 */
const SHORTHANDS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [/^hourly$/i, () => '0 * * * *'],
  [new RegExp(`^daily${TIME}$`, 'i'), (m) => `${minute(m)} ${hour(m)} * * *`],
  [
    new RegExp(`^weekly on (${DAYS.join('|')})s?${TIME}$`, 'i'),
    (m) => `${minute(m, 2)} ${hour(m, 2)} * * ${DAYS.indexOf(m[1]!.toLowerCase())}`,
  ],
  [
    new RegExp(`^monthly on the (\\d{1,2})(?:st|nd|rd|th)${TIME}$`, 'i'),
    (m) => `${minute(m, 2)} ${hour(m, 2)} ${dayOfMonth(m[1]!)} * *`,
  ],
  [new RegExp(`^monthly on the last day${TIME}$`, 'i'), (m) => `${minute(m)} ${hour(m)} L * *`],
];

function hour(m: RegExpExecArray, group = 1): number {
  const h = m[group] === undefined ? 0 : Number(m[group]);
  if (h > 23) throw new Error(`hour ${h} is not between 0 and 23`);
  return h;
}

function minute(m: RegExpExecArray, group = 1): number {
  const min = m[group + 1] === undefined ? 0 : Number(m[group + 1]);
  if (min > 59) throw new Error(`minute ${min} is not between 0 and 59`);
  return min;
}

function dayOfMonth(text: string): number {
  const day = Number(text);
  if (day < 1 || day > 31) throw new Error(`day ${day} is not between 1 and 31`);
  return day;
}

/**
 * Parses a plan's `schedule`: a cron expression (5 fields, or 6 with seconds first), an
 * `@daily`-style nickname, or a shorthand such as "daily at 02:00", "hourly", "weekly on
 * sunday at 03:00", "monthly on the 1st at 03:00". Throws CONFIG_INVALID naming what is wrong.
 */
export function parseSchedule(text: string, timezone?: string): Schedule {
  const source = text.trim();
  let cron = source;
  try {
    for (const [pattern, build] of SHORTHANDS) {
      const m = pattern.exec(source);
      if (m) {
        cron = build(m);
        break;
      }
    }
    // Croner only notices a bad zone when it computes a date; Intl says so up front.
    if (timezone) new Intl.DateTimeFormat('en', { timeZone: timezone });
    // Constructing a paused job validates the pattern without scheduling anything.
    new Cron(cron, { paused: true, ...(timezone ? { timezone } : {}) }).stop();
  } catch (err) {
    throw new LifeboatError('CONFIG_INVALID', `schedule "${source}" is invalid: ${reason(err)}`, {
      hint: 'use cron ("0 2 * * *", 6 fields for seconds) or "daily at 02:00", "hourly", "weekly on sunday at 03:00", "monthly on the 1st at 03:00"',
      details: { schedule: source, ...(timezone ? { timezone } : {}) },
    });
  }
  return { source, cron, timezone: timezone || undefined };
}

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/^CronPattern: /, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/**
 * The first time strictly after `after` that the schedule fires, as an instant; null when it
 * never fires again. Wall-clock times that do not exist (spring forward) run at the first
 * valid time after the gap; times that occur twice (fall back) run once.
 */
export function nextRun(schedule: Schedule, after: Date): Date | null {
  const job = new Cron(schedule.cron, {
    paused: true,
    ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
  });
  try {
    return job.nextRun(after);
  } finally {
    job.stop();
  }
}

/**
 * How long the schedule waits between two runs around `at`: what "1.5× the schedule
 * interval" in staleness checks is measured against. Null for a schedule that never repeats.
 */
export function scheduleInterval(schedule: Schedule, at: Date): number | null {
  const first = nextRun(schedule, at);
  const second = first && nextRun(schedule, first);
  return first && second ? second.getTime() - first.getTime() : null;
}
