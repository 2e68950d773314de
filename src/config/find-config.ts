import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LifeboatError } from '../errors/index.js';

/** File names lifeboat looks for, in order. */
export const CONFIG_FILE_NAMES = ['lifeboat.yaml', 'lifeboat.yml'] as const;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The config file to load: `configPath` (from `--config`), else LIFEBOAT_CONFIG, else
 * `lifeboat.yaml` / `lifeboat.yml` in `cwd`; undefined when there is none. A path the user
 * named explicitly must exist: falling back to defaults would back up the wrong thing.
 */
export async function findConfig(
  cwd: string,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const explicit = configPath ?? (env.LIFEBOAT_CONFIG || undefined);
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (await exists(path)) return path;
    const from = configPath === undefined ? 'LIFEBOAT_CONFIG' : '--config';
    throw new LifeboatError('CONFIG_INVALID', `config file "${path}" does not exist`, {
      hint: `check the path given by ${from}, or run "lifeboat init" to create one`,
      details: { path },
    });
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = resolve(cwd, name);
    if (await exists(path)) return path;
  }
  return undefined;
}
