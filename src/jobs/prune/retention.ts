import type { RetentionConfig } from '../../config/index.js';

/** What retention needs to know about one artifact. */
export interface RetentionArtifact {
  readonly key: string;
  readonly connection: string;
  /** When the backup finished (the manifest's `finishedAt`). */
  readonly createdAt: Date;
  readonly tag: string | null;
  /** The catalog's last verification of it succeeded. */
  readonly verified: boolean;
}

/** Why an artifact is kept or deleted. */
export type RetentionRule =
  | 'tag:keep'
  | 'newest-verified'
  | 'newest'
  | 'keep_last'
  | 'keep_days'
  | 'daily'
  | 'weekly'
  | 'monthly'
  | 'yearly'
  | 'no-policy'
  | 'expired';

/** The verdict on one artifact. */
export interface RetentionDecision<A extends RetentionArtifact = RetentionArtifact> {
  readonly artifact: A;
  readonly keep: boolean;
  /** The first rule that keeps it (in the order of {@link RetentionRule}), or `expired`. */
  readonly rule: RetentionRule;
}

/** The tag that exempts an artifact from retention. */
export const KEEP_TAG = 'keep';

const DAY_MS = 86_400_000;

/**
 * Decides which artifacts a retention policy keeps, per connection. Pure: same input, same
 * answer. Protections first: an artifact tagged `keep`, and each connection's newest verified
 * backup (its newest backup when none was verified) are never deleted. Then, as in borg and
 * restic, each rule keeps on its own and an artifact stays when any rule keeps it:
 * `keep_last` the newest N; `keep_days` those younger than N days before `now`; `daily`,
 * `weekly`, `monthly`, `yearly` the newest artifact of each of the N most recent UTC days, ISO
 * weeks, months or years *that have a backup* (so a pause in backups does not empty the
 * history). A policy without any rule keeps everything. Decisions come back newest first.
 */
export function decideRetention<A extends RetentionArtifact>(
  artifacts: readonly A[],
  policy: RetentionConfig | undefined,
  now: Date,
): RetentionDecision<A>[] {
  const byConnection = new Map<string, A[]>();
  for (const a of artifacts) {
    byConnection.set(a.connection, [...(byConnection.get(a.connection) ?? []), a]);
  }
  const out: RetentionDecision<A>[] = [];
  for (const group of byConnection.values()) out.push(...decideOne(group, policy, now));
  return out.sort((x, y) => newestFirst(x.artifact, y.artifact));
}

function decideOne<A extends RetentionArtifact>(
  group: readonly A[],
  policy: RetentionConfig | undefined,
  now: Date,
): RetentionDecision<A>[] {
  const sorted = [...group].sort(newestFirst);
  const kept = new Map<A, RetentionRule>();
  const keep = (a: A, rule: RetentionRule): void => {
    if (!kept.has(a)) kept.set(a, rule);
  };
  for (const a of sorted) if (a.tag === KEEP_TAG) keep(a, 'tag:keep');
  const newestVerified = sorted.find((a) => a.verified);
  if (newestVerified) keep(newestVerified, 'newest-verified');
  else if (sorted[0]) keep(sorted[0], 'newest');

  const rules = policy ?? {};
  const hasRule = Object.values(rules).some((n) => n !== undefined);
  if (!hasRule) {
    for (const a of sorted) keep(a, 'no-policy');
  }
  sorted.slice(0, rules.keepLast ?? 0).forEach((a) => keep(a, 'keep_last'));
  if (rules.keepDays !== undefined) {
    const cutoff = now.getTime() - rules.keepDays * DAY_MS;
    for (const a of sorted) if (a.createdAt.getTime() > cutoff) keep(a, 'keep_days');
  }
  const periods: [RetentionRule, number | undefined, (d: Date) => string][] = [
    ['daily', rules.daily, dayOf],
    ['weekly', rules.weekly, isoWeekOf],
    ['monthly', rules.monthly, (d) => dayOf(d).slice(0, 7)],
    ['yearly', rules.yearly, (d) => dayOf(d).slice(0, 4)],
  ];
  for (const [rule, count, bucketOf] of periods) {
    if (!count) continue;
    const seen = new Set<string>();
    for (const a of sorted) {
      const bucket = bucketOf(a.createdAt);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keep(a, rule);
      if (seen.size === count) break;
    }
  }
  return sorted.map((artifact) => {
    const rule = kept.get(artifact);
    return { artifact, keep: rule !== undefined, rule: rule ?? 'expired' };
  });
}

function newestFirst(a: RetentionArtifact, b: RetentionArtifact): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.key < b.key ? 1 : -1);
}

/** `YYYY-MM-DD` in UTC. */
function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** ISO 8601 week `YYYY-Www` in UTC (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeekOf(d: Date): string {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
