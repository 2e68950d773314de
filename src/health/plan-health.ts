import type { Catalog, OperationRecord } from '../catalog/index.js';
import type { ResolvedConfig } from '../config/index.js';
import type { PlanSettings } from '../jobs/run/plan-settings.js';
import type { DatabaseOutcome, PlanArtifact } from '../jobs/run/run-types.js';
import { formatBytes, formatDuration } from '../progress/format.js';
import { nextRun, scheduleInterval } from '../scheduler/schedule.js';
import { diskSpace } from './disk.js';
import type { FailedDatabase, HealthReport, HealthWarning, PlanHealth } from './health-types.js';

/** How far past its interval a plan may go without a success before it is stale. */
export const STALE_FACTOR = 1.5;
/** A backup this much bigger or smaller than the recent median is suspicious. */
export const SIZE_ANOMALY = 0.5;
/** How many earlier successes the size median looks at. */
const SIZE_WINDOW = 7;

/**
 * The health of every plan from the catalog's run history: last success and its age, next
 * run, last size and duration, verification, and warnings (failing, stale, size anomaly,
 * destination failing, local disk low, notifications failing). Unhealthy when any plan has
 * a warning, so monitoring can alert on the exit code alone.
 */
export async function checkHealth(
  catalog: Catalog,
  config: ResolvedConfig,
  plans: readonly PlanSettings[],
  now: Date = new Date(),
): Promise<HealthReport> {
  const runs = catalog.history({ operation: 'run', limit: 2000 });
  const notifies = catalog.history({ operation: 'notify', limit: 500 });
  const results: PlanHealth[] = [];
  for (const plan of plans) {
    const mine = runs.filter((r) => r.details?.plan === plan.name && r.status !== 'running');
    const warnings = [
      ...runWarnings(plan, mine, now),
      ...notifyWarnings(notifies.filter((n) => n.details?.plan === plan.name)),
      ...(await diskWarnings(config, plan)),
    ];
    results.push(describe(plan, mine, now, warnings));
  }
  return {
    healthy: results.every((p) => p.healthy),
    checkedAt: now.toISOString(),
    plans: results,
  };
}

function describe(
  plan: PlanSettings,
  runs: readonly OperationRecord[],
  now: Date,
  warnings: readonly HealthWarning[],
): PlanHealth {
  const last = runs[0];
  const success = runs.find(isSuccess);
  const artifacts = success ? artifactsOf(success) : [];
  const next = plan.schedule ? nextRun(plan.schedule, now) : null;
  return {
    plan: plan.name,
    connection: plan.config.connection,
    schedule: plan.schedule?.source ?? null,
    healthy: warnings.length === 0,
    lastRun: last
      ? {
          status: last.status,
          startedAt: last.startedAt,
          error: last.error,
          failedDatabases: failedDatabasesOf(last),
        }
      : null,
    lastSuccess: success
      ? {
          at: finishedAt(success),
          ageMs: now.getTime() - Date.parse(finishedAt(success)),
          artifacts: artifacts.map((a) => a.artifact),
          sizeBytes: success.sizeBytes ?? 0,
          durationMs:
            typeof success.details?.durationMs === 'number' ? success.details.durationMs : null,
          verification: verificationOf(artifacts),
        }
      : null,
    nextRun: next?.toISOString() ?? null,
    warnings,
  };
}

function runWarnings(
  plan: PlanSettings,
  runs: readonly OperationRecord[],
  now: Date,
): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  const last = runs[0];
  if (last && (last.status === 'failed' || last.status === 'interrupted')) {
    // DATABASES_FAILED packs every database into one line; each gets its own warning below.
    const failedDatabases = failedDatabasesOf(last);
    const why =
      last.error?.code === 'DATABASES_FAILED'
        ? `${failedDatabases.length} database(s) got no backup (${failedDatabases.map((d) => d.database).join(', ')})`
        : (last.error?.message ?? 'no error recorded');
    warnings.push({ kind: 'failing', message: `the last run ${last.status}: ${why}` });
  }
  for (const d of last ? failedDatabasesOf(last) : []) {
    warnings.push({
      kind: 'database-failing',
      message: `database "${d.database}" got no backup in the last run: ${d.message} (${d.code})${d.hint ? `; hint: ${d.hint}` : ''}`,
    });
  }
  const successes = runs.filter(isSuccess);
  const latest = successes[0];
  if (plan.schedule && latest === undefined && runs.length > 0) {
    warnings.push({ kind: 'never-succeeded', message: 'no run of this plan has succeeded yet' });
  }
  if (plan.schedule && latest) {
    const at = new Date(finishedAt(latest));
    const interval = scheduleInterval(plan.schedule, at);
    const age = now.getTime() - at.getTime();
    if (interval !== null && age > interval * STALE_FACTOR) {
      warnings.push({
        kind: 'stale',
        message: `no successful run for ${formatDuration(age)}; the schedule runs every ${formatDuration(interval)}`,
      });
    }
  }
  const sizes = successes.slice(1, 1 + SIZE_WINDOW).map((r) => r.sizeBytes ?? 0);
  if (latest && sizes.length >= 3) {
    const median = medianOf(sizes);
    const size = latest.sizeBytes ?? 0;
    if (median > 0 && Math.abs(size - median) / median > SIZE_ANOMALY) {
      warnings.push({
        kind: 'size-anomaly',
        message: `the last backup is ${formatBytes(size)}, the median of the ${sizes.length} before is ${formatBytes(median)}`,
      });
    }
  }
  const failedDestinations = last
    ? artifactsOf(last).flatMap((a) => a.destinations.filter((d) => !d.ok).map((d) => d.storage))
    : [];
  for (const storage of new Set(failedDestinations)) {
    warnings.push({
      kind: 'destination-failing',
      message: `storage "${storage}" failed in the last run`,
    });
  }
  if (latest && artifactsOf(latest).some((a) => a.verification && !a.verification.ok)) {
    warnings.push({ kind: 'not-verified', message: 'the last backup failed verification' });
  }
  return warnings;
}

function notifyWarnings(deliveries: readonly OperationRecord[]): HealthWarning[] {
  const latestPerChannel = new Map<string, OperationRecord>();
  for (const d of deliveries) {
    const channel = String(d.details?.channel ?? '?');
    if (!latestPerChannel.has(channel) && d.status !== 'running') latestPerChannel.set(channel, d);
  }
  return [...latestPerChannel]
    .filter(([, d]) => d.status === 'failed')
    .map(([channel, d]) => ({
      kind: 'notify-failing' as const,
      message: `notifications to ${channel} fail: ${d.error?.message ?? 'unknown error'}`,
    }));
}

async function diskWarnings(config: ResolvedConfig, plan: PlanSettings): Promise<HealthWarning[]> {
  const warnings: HealthWarning[] = [];
  for (const name of plan.config.to) {
    const storage = config.storage[name];
    if (storage?.type !== 'local') continue;
    const space = await diskSpace(storage.path);
    if (space?.low) {
      warnings.push({
        kind: 'disk-low',
        message: `storage "${name}" has ${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)}`,
      });
    }
  }
  return warnings;
}

function isSuccess(r: OperationRecord): boolean {
  return r.status === 'succeeded' || r.status === 'partial';
}

function finishedAt(r: OperationRecord): string {
  return r.finishedAt ?? r.startedAt;
}

function artifactsOf(r: OperationRecord): PlanArtifact[] {
  const list = r.details?.artifacts;
  return Array.isArray(list) ? (list as PlanArtifact[]) : [];
}

function failedDatabasesOf(r: OperationRecord): FailedDatabase[] {
  const list = r.details?.databases;
  if (!Array.isArray(list)) return [];
  return (list as DatabaseOutcome[])
    .filter((d) => d.status === 'failed' && d.error)
    .map((d) => ({
      database: d.database,
      code: d.error!.code,
      message: d.error!.message,
      hint: d.error!.hint ?? null,
    }));
}

function verificationOf(artifacts: readonly PlanArtifact[]): string {
  const checked = artifacts.map((a) => a.verification);
  if (checked.length === 0 || checked.some((v) => v === null)) return 'not verified';
  if (checked.some((v) => !v!.ok)) return 'failed';
  return checked.every((v) => v!.deep) ? 'passed (deep)' : 'passed';
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
