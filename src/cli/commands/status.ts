import { ERROR_CODES, EXIT_OK } from '../../errors/index.js';
import { checkHealth } from '../../health/plan-health.js';
import type { PlanHealth } from '../../health/health-types.js';
import { planSettings } from '../../jobs/run/plan-settings.js';
import { formatBytes, formatDuration } from '../../progress/format.js';
import { withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/**
 * `lifeboat status [--json]`: the health of every plan. Exits with UNHEALTHY's code when any
 * plan has a warning, so monitoring can run it as a check.
 */
export default async function status(rt: CommandRuntime): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const report = await checkHealth(ctx.catalog, ctx.config, planSettings(ctx.config, rt.env));
    ctx.close();
    if (rt.json) rt.printJson({ ok: report.healthy, ...report });
    else {
      if (report.plans.length === 0) rt.output.err.write('no plans configured\n');
      for (const plan of report.plans) rt.output.out.write(describe(plan));
    }
    return report.healthy ? EXIT_OK : ERROR_CODES.UNHEALTHY.exitCode;
  });
}

function describe(plan: PlanHealth): string {
  const lines = [`${plan.plan} (${plan.connection})  ${plan.healthy ? 'healthy' : 'UNHEALTHY'}`];
  const s = plan.lastSuccess;
  lines.push(
    s
      ? `  last success: ${s.at} (${formatDuration(s.ageMs)} ago), ${formatBytes(s.sizeBytes)}${s.durationMs === null ? '' : ` in ${formatDuration(s.durationMs)}`}, verification ${s.verification}`
      : '  last success: never',
  );
  if (plan.lastRun && plan.lastRun.status !== 'succeeded') {
    lines.push(`  last run: ${plan.lastRun.status} at ${plan.lastRun.startedAt}`);
  }
  lines.push(
    `  next run: ${plan.nextRun ?? 'not scheduled'}${plan.schedule ? ` (${plan.schedule})` : ''}`,
  );
  for (const w of plan.warnings) lines.push(`  warning (${w.kind}): ${w.message}`);
  return `${lines.join('\n')}\n`;
}
