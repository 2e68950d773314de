import { EXIT_OK } from '../../errors/index.js';
import { planSettings } from '../../jobs/run/plan-settings.js';
import { crontabLines, systemdUnits } from '../../scheduler/system-units.js';
import { withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/**
 * `lifeboat schedule print`: the plans' schedules as crontab lines and systemd units, for
 * people who would rather have the system scheduler run `lifeboat run <plan>`.
 */
export default async function schedule(
  rt: CommandRuntime,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const plans = planSettings(ctx.config, rt.env);
    const options = {
      command: typeof opts.command === 'string' ? opts.command : 'lifeboat',
      configPath: ctx.config.configPath,
      workDir: ctx.config.baseDir,
    };
    ctx.close();
    if (rt.json) {
      rt.printJson({
        ok: true,
        plans: plans.map((p) => ({ plan: p.name, schedule: p.schedule ?? null })),
        crontab: crontabLines(plans, options),
        systemd: systemdUnits(plans, options),
      });
      return EXIT_OK;
    }
    rt.output.out.write(`${crontabLines(plans, options)}\n${systemdUnits(plans, options)}`);
    return EXIT_OK;
  });
}
