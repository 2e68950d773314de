import { hostname } from 'node:os';
import type { NotifyEvent } from '../config/index.js';
import { formatBytes, formatDuration } from '../progress/format.js';

/** The facts of one plan run that a notification reports. */
export interface RunReport {
  readonly plan: string;
  readonly connection: string;
  readonly status: 'succeeded' | 'partial' | 'failed';
  readonly durationMs: number;
  readonly storages: readonly string[];
  readonly artifacts: readonly {
    readonly artifact: string;
    readonly size: number;
    readonly verification: { readonly ok: boolean; readonly deep: boolean } | null;
  }[];
  readonly warnings: readonly string[];
  /** Each database of a `databases:` plan and how it ended; empty for one connection. */
  readonly databases?: readonly {
    readonly database: string;
    readonly status: 'succeeded' | 'partial' | 'failed' | 'skipped';
    readonly artifact?: string;
    readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
  }[];
  readonly stage?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
}

/** One notification, rendered once and sent to every channel that wants its event. */
export interface NotificationMessage {
  readonly event: NotifyEvent;
  /** One line: e-mail subject, Slack's first line. */
  readonly subject: string;
  /** Plain text: what happened, where, and what to do. */
  readonly text: string;
  /** The structured form webhooks receive. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** Which event a run is: failed runs are failures; partial runs or warnings are warnings. */
export function eventOf(report: RunReport): NotifyEvent {
  if (report.status === 'failed') return 'failure';
  return report.status === 'partial' || report.warnings.length > 0 ? 'warning' : 'success';
}

/**
 * Renders a run as a message that can be acted on without opening a log: what failed and in
 * which stage, on which host and connection, the error's hint (what to do), and for good runs
 * the artifact, its size, the duration and the verification outcome.
 */
export function buildMessage(report: RunReport, host = hostname()): NotificationMessage {
  const event = eventOf(report);
  const headline = {
    failure: `lifeboat: plan "${report.plan}" FAILED on ${host}`,
    warning: `lifeboat: plan "${report.plan}" finished with warnings on ${host}`,
    success: `lifeboat: plan "${report.plan}" succeeded on ${host}`,
  }[event];
  const lines = [
    headline,
    `connection: ${report.connection}`,
    `destinations: ${report.storages.join(', ')}`,
    `duration: ${formatDuration(report.durationMs)}`,
  ];
  const failedDatabases = (report.databases ?? []).filter((d) => d.error);
  if (report.error && failedDatabases.length) {
    // One line per database, each with its own cause and remedy, rather than the run's
    // summary line that packs them all together.
    const backedUp = (report.databases ?? []).filter((d) => d.artifact).length;
    lines.push(
      `what failed: ${failedDatabases.length} database(s) got no backup (${report.error.code}); ${backedUp} were backed up`,
    );
    for (const d of failedDatabases) {
      lines.push(`database "${d.database}" FAILED: ${d.error!.message} (${d.error!.code})`);
      lines.push(`  what to do: ${d.error!.hint ?? 'see "lifeboat history" for details'}`);
    }
  } else if (report.error) {
    lines.push(`what failed: ${report.error.message} (${report.error.code})`);
    if (report.stage) lines.push(`stage: ${report.stage}`);
    lines.push(`what to do: ${report.error.hint ?? 'see "lifeboat history" for details'}`);
  }
  for (const a of report.artifacts) {
    lines.push(`artifact: ${a.artifact} (${formatBytes(a.size)})`);
    lines.push(`verification: ${verificationText(a.verification)}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return {
    event,
    subject: headline,
    text: `${lines.join('\n')}\n`,
    payload: { event, host, ...report, at: new Date().toISOString() },
  };
}

function verificationText(v: { ok: boolean; deep: boolean } | null): string {
  if (v === null) return 'not verified (the plan does not verify)';
  const depth = v.deep ? 'deep (restored and compared)' : 'file checks';
  return v.ok ? `passed, ${depth}` : `FAILED, ${depth}`;
}
