import { EXIT_FAILED, EXIT_OK } from '../../errors/index.js';
import { runPlan } from '../../jobs/run/run-plan.js';
import { formatBytes, formatDuration } from '../../progress/format.js';
import { withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/**
 * `lifeboat run <plan>`: runs one plan now (hooks, backup, verify, retention, notifications).
 * Prints the artifacts on stdout; a failed run exits with its error's code (DATABASES_FAILED's
 * when databases of a `databases:` plan got no backup), a partial one with 1.
 */
export default async function run(rt: CommandRuntime, plan: unknown): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const result = await runPlan(ctx, String(plan), { reason: 'manual', env: rt.env });
    ctx.close();
    if (rt.json) {
      rt.printJson({
        ok: result.status !== 'failed',
        ...result,
        ...(result.error ? { error: result.error.toJSON() } : {}),
      });
    } else {
      for (const a of result.artifacts) rt.output.out.write(`${a.artifact}\n`);
      const failed = result.databases.filter((d) => d.error);
      if (result.error?.code === 'DATABASES_FAILED') {
        // One error and hint per database: the run's own message packs them into one line.
        for (const d of failed) {
          rt.output.err.write(`error: database "${d.database}": ${d.error!.message}\n`);
          if (d.error!.hint) rt.output.err.write(`hint: ${d.error!.hint}\n`);
        }
        const done = result.databases.filter((d) => d.artifact).length;
        rt.output.err.write(
          `plan "${result.plan}" failed: ${failed.length} database(s) got no backup (${failed.map((d) => d.database).join(', ')}), ${done} backed up\n`,
        );
      } else if (result.error) {
        rt.output.err.write(`error: ${result.error.message}\n`);
        if (result.error.hint) rt.output.err.write(`hint: ${result.error.hint}\n`);
      } else {
        const size = result.artifacts.reduce((sum, a) => sum + a.size, 0);
        rt.output.err.write(
          `plan "${result.plan}" ${result.status}: ${result.artifacts.length} artifact(s), ${formatBytes(size)} in ${formatDuration(result.durationMs)}\n`,
        );
      }
    }
    if (result.error) return result.error.exitCode;
    return result.status === 'partial' ? EXIT_FAILED : EXIT_OK;
  });
}
