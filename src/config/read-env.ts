import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { fromFsError, systemCode } from '../errors/index.js';
import type { EnvVars } from './expand-vars.js';

/**
 * The variables `${VAR}` and the Laravel-style connection see: `.env` in `dir` under the real
 * environment, which wins so that CI and containers can override a checked-in `.env`.
 * `process.env` is never modified: lifeboat is also a library, and its callers' environment
 * is theirs.
 */
export async function readEnv(dir: string, env: NodeJS.ProcessEnv): Promise<EnvVars> {
  const path = join(dir, '.env');
  let fromFile: Record<string, string> = {};
  try {
    fromFile = dotenv.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if (systemCode(err) !== 'ENOENT') throw fromFsError(err, 'reading', path);
  }
  const real = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...real };
}
