import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Source folders a child process needs; the catalog and locks import only these at runtime. */
const FOLDERS = ['src/errors', 'src/catalog', 'src/locks'];

/**
 * Transpiles the catalog and lock modules to plain JS in a temp dir, so child processes can run
 * them with bare `node`: the suite must not depend on dist/, which other work may have broken.
 * `node_modules` is linked in so bare imports (better-sqlite3, proper-lockfile) resolve.
 */
export async function buildChildRuntime(): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-child-'));
  await symlink(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  await writeFile(path.join(out, 'package.json'), '{ "type": "module" }\n');
  for (const folder of FOLDERS) {
    await mkdir(path.join(out, folder), { recursive: true });
    for (const name of await readdir(path.join(ROOT, folder))) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const source = await readFile(path.join(ROOT, folder, name), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      });
      await writeFile(path.join(out, folder, name.replace(/\.ts$/, '.js')), outputText);
    }
  }
  return out;
}

/** A child process running `script` (an ES module body) inside a runtime from buildChildRuntime. */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`; rejects if the child exits first. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or signal name) once the child has ended. */
  exited: Promise<number | string>;
}

/** Starts `node` on `script`, written into `runtime` so its relative imports resolve. */
export async function startChild(
  runtime: string,
  script: string,
  args: string[] = [],
): Promise<Child> {
  const file = path.join(
    runtime,
    `child-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`,
  );
  await writeFile(file, script);
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? -1);
      for (const wake of waiters) wake();
    }),
  );
  const line = (pattern: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = stdout.split('\n').find((l) => pattern.test(l));
        if (found !== undefined) resolve(found);
        else if (child.exitCode !== null || child.signalCode !== null) {
          reject(new Error(`child ended before printing ${pattern}: ${stderr || stdout}`));
        }
      };
      waiters.push(check);
      check();
    });
  return { process: child, line, exited };
}
