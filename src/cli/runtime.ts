import { createRenderer, type Output, type Renderer } from '../progress/renderer.js';

/** What every command gets: parsed global options, output streams, a renderer, an abort signal. */
export interface CommandRuntime {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly configPath: string | undefined;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly output: Output;
  readonly renderer: Renderer;
  /** Fires on the first SIGINT/SIGTERM; jobs stop cleanly and keep nothing partial. */
  readonly signal: AbortSignal;
  /** Whether a person can answer prompts. */
  readonly interactive: boolean;
  /** Writes a value as pretty JSON on stdout. */
  printJson(value: unknown): void;
  dispose(): void;
}

/** Builds the runtime of one CLI invocation from its merged options. */
export function createRuntime(opts: Record<string, unknown>): CommandRuntime {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals++;
    // A second Ctrl-C means "now": the jobs' cleanup already ran or is stuck.
    if (signals > 1) process.exit(130);
    controller.abort(new Error(`received ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const output: Output = { err: process.stderr, out: process.stdout };
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  return {
    json,
    quiet,
    configPath: typeof opts.config === 'string' ? opts.config : undefined,
    cwd: process.cwd(),
    env: process.env,
    output,
    renderer: createRenderer(output, { json, quiet }),
    signal: controller.signal,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true && !process.env.CI,
    printJson: (value) => output.out.write(`${JSON.stringify(value, null, 2)}\n`),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
