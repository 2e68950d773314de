import { describe, expect, it } from 'vitest';
import {
  decideRetention,
  isoWeekOf,
  type RetentionArtifact,
} from '../../src/jobs/prune/retention.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-21T12:00:00Z');

/** Deterministic pseudo-random numbers, so the history is the same on every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/**
 * Two years of backups of `app`: nightly at 02:00 (with a 20-day outage), extra daytime
 * backups on about a quarter of the days, a few tagged ones; one old backup tagged `keep` and
 * one verified a year ago.
 */
function history(): RetentionArtifact[] {
  const random = rng(42);
  const out: RetentionArtifact[] = [];
  const add = (at: Date, tag: string | null = null, verified = false): void => {
    out.push({ key: `app_${at.toISOString()}`, connection: 'app', createdAt: at, tag, verified });
  };
  for (let d = 730; d >= 0; d--) {
    const day = new Date(Date.UTC(2026, 10, 21) - d * DAY);
    if (d >= 300 && d < 320) continue;
    add(new Date(day.getTime() + 2 * 3_600_000));
    if (random() < 0.25) add(new Date(day.getTime() + (8 + Math.floor(random() * 10)) * 3_600_000));
    if (random() < 0.03) add(new Date(day.getTime() + 20 * 3_600_000), 'pre-deploy');
  }
  const tagged = out[100] as RetentionArtifact;
  out[100] = { ...tagged, tag: 'keep' };
  const verified = out.find((a) => a.createdAt.getTime() < NOW.getTime() - 365 * DAY);
  const index = out.indexOf(verified as RetentionArtifact);
  out[index] = { ...(verified as RetentionArtifact), verified: true };
  // The last few hours: backups newer than NOW are not possible, drop them.
  return out.filter((a) => a.createdAt <= NOW);
}

/** Written separately from the implementation: newest per bucket, for the N newest buckets. */
function newestPerBucket(
  artifacts: readonly RetentionArtifact[],
  bucket: (d: Date) => string,
  n: number,
): Set<string> {
  const best = new Map<string, RetentionArtifact>();
  for (const a of artifacts) {
    const k = bucket(a.createdAt);
    const current = best.get(k);
    if (!current || a.createdAt > current.createdAt) best.set(k, a);
  }
  const buckets = [...best.keys()].sort().reverse().slice(0, n);
  return new Set(buckets.map((k) => (best.get(k) as RetentionArtifact).key));
}

const day = (d: Date): string => d.toISOString().slice(0, 10);
/** The Monday a date's week starts on: the same buckets as ISO weeks, computed differently. */
const monday = (d: Date): string => day(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY));
const month = (d: Date): string => day(d).slice(0, 7);
const year = (d: Date): string => day(d).slice(0, 4);

describe('decideRetention', () => {
  const all = history();

  it('keeps exactly the GFS set over two years of several hundred backups', () => {
    expect(all.length).toBeGreaterThan(800);
    const policy = { daily: 7, weekly: 4, monthly: 12, yearly: 3 };
    const decisions = decideRetention(all, policy, NOW);
    const expected = new Set([
      ...newestPerBucket(all, day, 7),
      ...newestPerBucket(all, monday, 4),
      ...newestPerBucket(all, month, 12),
      ...newestPerBucket(all, year, 3),
      ...all.filter((a) => a.tag === 'keep' || a.verified).map((a) => a.key),
    ]);
    const kept = decisions.filter((d) => d.keep).map((d) => d.artifact.key);
    expect(new Set(kept)).toEqual(expected);
    expect(decisions).toHaveLength(all.length);
    // 7 days + 3 more weeks + 9 more months + 2 more years + tagged + verified, give or take overlaps.
    expect(kept.length).toBeGreaterThan(20);
    expect(kept.length).toBeLessThan(30);
    const rule = (key: string): string | undefined =>
      decisions.find((d) => d.artifact.key === key)?.rule;
    expect(rule(all.find((a) => a.tag === 'keep')?.key as string)).toBe('tag:keep');
    expect(rule(all.find((a) => a.verified)?.key as string)).toBe('newest-verified');
    expect(decisions[0]?.rule).toBe('daily');
    expect(decisions.filter((d) => !d.keep).every((d) => d.rule === 'expired')).toBe(true);
  });

  it('applies keep_last and keep_days', () => {
    const last = decideRetention(all, { keepLast: 10 }, NOW).filter((d) => d.keep);
    const newest10 = [...all]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, 10)
      .map((a) => a.key);
    expect(last.filter((d) => d.rule === 'keep_last').map((d) => d.artifact.key)).toEqual(newest10);
    expect(last).toHaveLength(12); // + tagged keep + newest verified
    const days = decideRetention(all, { keepDays: 30 }, NOW).filter((d) => d.rule === 'keep_days');
    const young = all.filter((a) => NOW.getTime() - a.createdAt.getTime() < 30 * DAY);
    expect(days.map((d) => d.artifact.key).sort()).toEqual(young.map((a) => a.key).sort());
  });

  it('keeps everything without a policy, and the newest backup when none is verified', () => {
    expect(decideRetention(all, undefined, NOW).every((d) => d.keep)).toBe(true);
    expect(decideRetention(all, {}, NOW).every((d) => d.keep)).toBe(true);
    const old = [0, 1, 2].map((i) => ({
      key: `old${i}`,
      connection: 'db',
      createdAt: new Date(NOW.getTime() - (100 + i) * DAY),
      tag: null,
      verified: false,
    }));
    const decisions = decideRetention(old, { keepDays: 7 }, NOW);
    expect(decisions.map((d) => [d.artifact.key, d.keep, d.rule])).toEqual([
      ['old0', true, 'newest'],
      ['old1', false, 'expired'],
      ['old2', false, 'expired'],
    ]);
  });

  it('decides per connection', () => {
    const two = [
      ...all.slice(-5),
      ...all.slice(-5).map((a) => ({ ...a, key: `other-${a.key}`, connection: 'other' })),
    ];
    const kept = decideRetention(two, { keepLast: 2 }, NOW).filter((d) => d.keep);
    expect(kept.filter((d) => d.artifact.connection === 'app')).toHaveLength(2);
    expect(kept.filter((d) => d.artifact.connection === 'other')).toHaveLength(2);
  });

  it('numbers ISO weeks like the standard', () => {
    expect(isoWeekOf(new Date('2026-01-01T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeekOf(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeekOf(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
  });
});
