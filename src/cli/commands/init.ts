import { writeInitConfig } from '../../config/index.js';
import type { CommandRuntime } from '../runtime.js';

/** `lifeboat init`: writes a commented lifeboat.yaml; refuses to overwrite without --force. */
export default async function init(
  rt: CommandRuntime,
  opts: Record<string, unknown>,
): Promise<number> {
  const path = await writeInitConfig({ cwd: rt.cwd, force: opts.force === true, env: rt.env });
  if (rt.json) rt.printJson({ ok: true, path });
  else rt.output.err.write(`wrote ${path}\nnext: edit it, then run "lifeboat backup"\n`);
  return 0;
}
