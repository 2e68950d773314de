import { basename } from 'node:path';
import { LifeboatError } from '../errors/index.js';
import { configError } from './config-error.js';
import { isConnectionUrl, nameFromUrl } from './connection-url.js';
import { didYouMean } from './suggest.js';
import type { ConnectionConfig, ResolvedConfig } from './types.js';

/** A connection ready for the engine registry. `url` may hold secrets. */
export interface ConnectionSpec {
  readonly name: string;
  readonly url: string;
  readonly protected: boolean;
  /**
   * Directory relative file paths in `url` resolve against (pass it to `Engine.parseUrl`):
   * the config file's directory for configured connections, the working directory for URLs
   * typed on the command line, which is where the user meant them. Always set by
   * {@link resolveConnection}; optional so that jobs can build a spec from a manifest.
   */
  readonly baseDir?: string;
}

const NO_CONNECTION_HINT =
  'pass a connection URL (sqlite:./app.db, postgres://user@host/db), set DATABASE_URL or ' +
  'DB_CONNECTION/DB_DATABASE in the environment or .env, or run "lifeboat init"';

function toSpec(config: ResolvedConfig, c: ConnectionConfig): ConnectionSpec {
  if (c.unset !== undefined) {
    const file = config.configPath === undefined ? 'lifeboat.yaml' : basename(config.configPath);
    throw configError(file, `"${c.unset.key}" uses \${${c.unset.variable}}, which is not set`, {
      key: c.unset.key,
      details: { variable: c.unset.variable, connection: c.name },
      hint: `set ${c.unset.variable} in the environment or in .env beside ${file} to use connection "${c.name}"`,
    });
  }
  return { name: c.name, url: c.url, protected: c.protected, baseDir: config.baseDir };
}

/**
 * The connection a command names: a configured name, or a URL. Without an argument, the only
 * configured connection or `default`. A URL equal to a configured one resolves to that
 * connection, so typing prod's URL cannot bypass `protected`.
 */
export function resolveConnection(config: ResolvedConfig, nameOrUrl?: string): ConnectionSpec {
  const all = Object.values(config.connections);
  const names = all.map((c) => c.name);
  const arg = nameOrUrl?.trim();
  if (arg === undefined || arg === '') {
    const only = all.length === 1 ? all[0] : config.connections.default;
    if (only !== undefined) return toSpec(config, only);
    throw new LifeboatError(
      'CONNECTION_UNKNOWN',
      all.length === 0
        ? 'no connection configured'
        : `several connections are configured (${names.join(', ')}); name one`,
      {
        hint: all.length === 0 ? NO_CONNECTION_HINT : `e.g. "lifeboat backup ${names[0]}"`,
        details: { available: names },
      },
    );
  }
  const named = config.connections[arg];
  if (named !== undefined) return toSpec(config, named);
  if (isConnectionUrl(arg)) {
    const same = all.find((c) => c.unset === undefined && c.url === arg);
    if (same !== undefined) return toSpec(config, same);
    return { name: nameFromUrl(arg), url: arg, protected: false, baseDir: config.cwd };
  }
  throw new LifeboatError('CONNECTION_UNKNOWN', `unknown connection "${arg}"`, {
    hint:
      all.length === 0
        ? `no connections are configured; ${NO_CONNECTION_HINT}`
        : `${didYouMean(arg, names)}configured connections: ${names.join(', ')}; a URL such as sqlite:./app.db also works`,
    details: { name: arg, available: names },
  });
}
