import { runVerify } from '../../jobs/verify/verify-job.js';
import { formatDuration } from '../../progress/format.js';
import { decryptKeysFrom, withJobContext } from '../context.js';
import { reportFailure } from '../report.js';
import type { CommandRuntime } from '../runtime.js';

/** `lifeboat verify <artifact> [--deep]`: each check, then the verdict and exit code. */
export default async function verify(
  rt: CommandRuntime,
  ref: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const decrypt = await decryptKeysFrom(rt, ctx, opts);
    const result = await runVerify(ctx, {
      artifact: String(ref),
      deep: opts.deep === true,
      decrypt,
    });
    ctx.close();
    if (rt.json) {
      const { error, ...rest } = result;
      rt.printJson({ ...rest, ...(error ? { error: error.toJSON() } : {}) });
    } else {
      for (const c of result.checks)
        rt.output.err.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check.padEnd(8)} ${c.detail}\n`);
      if (result.ok) {
        const timing =
          result.restoreMs === null ? '' : ` (restored in ${formatDuration(result.restoreMs)})`;
        rt.output.out.write(`${result.artifact}: ok${result.deep ? ', deep' : ''}${timing}\n`);
      }
    }
    if (!result.ok && result.error) {
      return rt.json ? result.error.exitCode : reportFailure(rt, result.error);
    }
    return 0;
  });
}
