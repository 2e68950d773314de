import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { LifeboatError } from '../../src/errors/index.js';
import type { ErrorCode } from '../../src/errors/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temporary project directory holding `files` (path -> content); removed after the test. */
export async function project(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** The LifeboatError `fn` throws or rejects with, after checking its code. */
export async function errorOf(code: ErrorCode, fn: () => unknown): Promise<LifeboatError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LifeboatError);
    expect((err as LifeboatError).code).toBe(code);
    return err as LifeboatError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}
