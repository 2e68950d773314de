import { spawn } from 'node:child_process';
import { LifeboatError, abortedError } from '../../errors/index.js';
import type { EventSink } from '../../progress/events.js';

/** Where hooks run and what they see. */
export interface HookOptions {
  /** `pre` or `post`, for messages. */
  readonly stage: 'pre' | 'post';
  /** Added to the process environment (LIFEBOAT_PLAN, LIFEBOAT_STATUS, ...). */
  readonly vars: Readonly<Record<string, string>>;
  /** The config file's directory, so hooks can use paths relative to it. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly events: EventSink;
  readonly signal: AbortSignal;
}

/** How much of a failing hook's output the error quotes. */
const TAIL_CHARS = 500;

/**
 * Runs shell commands one after another (`sh -c`, like cron and CI do); the first that exits
 * non-zero stops the rest and fails with HOOK_FAILED quoting the end of its output. Output
 * lines become `info` events, so the daemon log shows what maintenance scripts said.
 */
export async function runHooks(commands: readonly string[], options: HookOptions): Promise<void> {
  for (const command of commands) await runHook(command, options);
}

function runHook(command: string, options: HookOptions): Promise<void> {
  const { stage, signal } = options;
  if (signal.aborted) return Promise.reject(abortedError(signal.reason));
  return new Promise<void>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: { ...options.env, ...options.vars },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let tail = '';
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-TAIL_CHARS);
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        options.events({ type: 'info', message: `${stage} hook: ${line}` });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      if (signal.aborted) return reject(abortedError(signal.reason));
      reject(
        new LifeboatError('HOOK_FAILED', `${stage} hook "${command}" could not start`, {
          hint: err.message,
          cause: err,
        }),
      );
    });
    child.on('close', (code, killedBy) => {
      if (signal.aborted) return reject(abortedError(signal.reason));
      if (code === 0) return resolve();
      const how = code === null ? `was killed by ${killedBy}` : `exited with code ${code}`;
      reject(
        new LifeboatError('HOOK_FAILED', `${stage} hook "${command}" ${how}`, {
          hint: tail.trim()
            ? `its output ended with: ${tail.trim().split('\n').slice(-3).join(' | ')}`
            : 'run the command by hand to see why it fails',
          details: { stage, command, exitCode: code },
        }),
      );
    });
  });
}
