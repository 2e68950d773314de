import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ConnectionTarget } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';

const HINT = 'expected sqlite:./path/to/app.db';

/**
 * Parses `sqlite:./app.db`, `sqlite:app.db`, `sqlite:/abs/app.db`, `sqlite:///abs/app.db` and
 * `sqlite://./rel.db`. Relative paths resolve against `baseDir`; `~/` expands to the home
 * directory. The path is taken literally (no percent-decoding): file names rarely need escapes
 * and a config author should see the same path lifeboat opens.
 */
export function parseSqliteUrl(url: string, baseDir: string): ConnectionTarget {
  const match = /^sqlite:(.*)$/is.exec(url);
  let given = match?.[1] ?? '';
  // `sqlite://x` is the authority form; everything after `//` is the path (`///abs` stays absolute).
  if (given.startsWith('//')) given = given.slice(2);
  if (match === null || !isUsablePath(given)) {
    throw new LifeboatError('URL_INVALID', `invalid sqlite url "${redact(url)}"`, { hint: HINT });
  }
  const expanded =
    given === '~' || given.startsWith('~/') ? join(homedir(), given.slice(1)) : given;
  const database = isAbsolute(expanded) ? resolve(expanded) : resolve(baseDir, expanded);
  return {
    engine: 'sqlite',
    url,
    // Absolute, so a manifest names the file wherever it is later read from.
    display: `sqlite:${database}`,
    database,
    lockKey: `sqlite:${canonicalPath(database)}`,
  };
}

/** Rejects what cannot name a database file: empty, in-memory, a directory, control bytes. */
function isUsablePath(path: string): boolean {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return false;
  if (path.endsWith('/') || path.endsWith('\\')) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f]/.test(path);
}

/** A URL is short and has no secrets for sqlite, but never echo control characters. */
function redact(url: string): string {
  // eslint-disable-next-line no-control-regex
  return url.replace(/[\u0000-\u001f]/g, '?');
}

/**
 * Resolves symlinks so two spellings of one file share a lock. A file that does not exist yet
 * (a restore target) resolves through its directory instead.
 */
function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}
