import { ERROR_CODES, toLifeboatError } from '../errors/index.js';
import type { CommandRuntime } from './runtime.js';

/**
 * The one place failures are shown: `error: <message>` and `hint: <hint>` on stderr, or a
 * JSON object on stdout with `--json`. Returns the exit code. Unknown errors are bugs and
 * are reported as INTERNAL with their stack, so they get noticed rather than hidden.
 */
export function reportFailure(rt: CommandRuntime, err: unknown): number {
  const error = toLifeboatError(err, rt.signal, 'command');
  if (rt.json) {
    rt.output.out.write(`${JSON.stringify({ ok: false, error: error.toJSON() }, null, 2)}\n`);
  }
  rt.output.err.write(`error: ${error.message}\n`);
  if (error.hint) rt.output.err.write(`hint: ${error.hint}\n`);
  if (error.code === 'INTERNAL' && err instanceof Error && err.stack) {
    rt.output.err.write(`${err.stack}\n`);
  }
  return ERROR_CODES[error.code].exitCode;
}
