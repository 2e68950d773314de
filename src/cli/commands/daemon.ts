import { EXIT_OK } from '../../errors/index.js';
import { createDaemonLog } from '../../scheduler/daemon-log.js';
import { runDaemon } from '../../scheduler/daemon.js';
import { int, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/**
 * `lifeboat daemon [--metrics-port N]`: runs every scheduled plan until SIGTERM/SIGINT, then
 * lets running work abort cleanly. Logs go to stderr: JSON lines, or readable lines on a TTY.
 */
export default async function daemon(
  rt: CommandRuntime,
  opts: Record<string, unknown>,
): Promise<number> {
  const readable = rt.output.err.isTTY === true && !rt.json && !rt.env.CI;
  const log = createDaemonLog(rt.output.err, { readable });
  const metricsPort = int(opts.metricsPort, '--metrics-port');
  return withJobContext(rt, async (ctx) => {
    await runDaemon(ctx, {
      log,
      env: rt.env,
      ...(metricsPort === undefined ? {} : { metricsPort }),
      ...(typeof opts.metricsHost === 'string' ? { metricsHost: opts.metricsHost } : {}),
    });
    return EXIT_OK;
  });
}
