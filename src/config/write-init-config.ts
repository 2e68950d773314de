import { randomBytes } from 'node:crypto';
import { link, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LifeboatError, fromFsError, systemCode } from '../errors/index.js';
import { CONFIG_FILE_NAMES, findConfig } from './find-config.js';
import { readEnv } from './read-env.js';
import { renderInitConfig } from './render-init-config.js';

/** Options of {@link writeInitConfig}. */
export interface WriteInitOptions {
  readonly cwd: string;
  /** Replace an existing config file. */
  readonly force?: boolean;
  /** The real environment; defaults to `process.env`. `.env` in `cwd` is read under it. */
  readonly env?: NodeJS.ProcessEnv;
}

function exists(path: string): LifeboatError {
  return new LifeboatError('CONFIG_EXISTS', `"${path}" already exists`, {
    hint: 'edit it, or run "lifeboat init --force" to replace it',
    details: { path },
  });
}

/**
 * Writes `lifeboat.yaml` in `cwd` and returns its path. The file appears whole or not at all:
 * it is written to a temporary name, then linked into place (which fails if the file appeared
 * meanwhile) or, with `force`, renamed over the old one.
 */
export async function writeInitConfig(options: WriteInitOptions): Promise<string> {
  const cwd = resolve(options.cwd);
  const path = join(cwd, CONFIG_FILE_NAMES[0]);
  const existing = await findConfig(cwd, undefined, {});
  if (existing !== undefined && !options.force) throw exists(existing);

  const text = renderInitConfig({ env: await readEnv(cwd, options.env ?? process.env) });
  const temp = join(cwd, `.lifeboat.yaml.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { mode: 0o644, flag: 'wx' });
    if (options.force) await rename(temp, path);
    else await link(temp, path);
  } catch (err) {
    if (systemCode(err) === 'EEXIST') throw exists(path);
    throw fromFsError(err, 'writing', path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}
