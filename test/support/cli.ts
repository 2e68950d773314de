import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI the global setup compiled: end-to-end tests run the real binary. */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** What one CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link lifeboat}. */
export interface CliOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
}

/** A clean environment: no CI, Laravel or lifeboat variables leak in from the machine. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(DB_|DATABASE_URL|LIFEBOAT_|CI$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, CI: 'true', ...extra };
}

/** Starts `lifeboat <args>` without waiting. */
export function startLifeboat(args: readonly string[], options: CliOptions): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `lifeboat <args>` to completion. */
export function lifeboat(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const child = startLifeboat(args, options);
  return collect(child, options.input);
}

/** Waits for a started process and gathers its output. */
export function collect(child: ChildProcess, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A fresh temporary directory for one test. */
export function tempDir(prefix = 'lifeboat-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
