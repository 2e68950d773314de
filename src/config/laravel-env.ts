import type { EnvVars } from './expand-vars.js';

/** What the environment says about the project's own database. */
export type EnvConnection =
  | { readonly kind: 'url'; readonly url: string; readonly source: string }
  | { readonly kind: 'unsupported'; readonly warning: string }
  | { readonly kind: 'none' };

/** Laravel's DB_CONNECTION values and the URL scheme and default port of each. */
const DRIVERS: Record<string, { scheme: string; port: string }> = {
  pgsql: { scheme: 'postgres', port: '5432' },
  postgres: { scheme: 'postgres', port: '5432' },
  postgresql: { scheme: 'postgres', port: '5432' },
  mysql: { scheme: 'mysql', port: '3306' },
  mariadb: { scheme: 'mariadb', port: '3306' },
};

/** Empty values count as unset: Laravel's `.env` template ships `DB_PASSWORD=`. */
function get(env: EnvVars, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/**
 * The connection URL a Laravel-style project describes: DATABASE_URL (or Laravel 11's
 * DB_URL) as is, else one built from DB_CONNECTION, DB_HOST, DB_PORT, DB_DATABASE,
 * DB_USERNAME and DB_PASSWORD. Missing parts take Laravel's own defaults, so lifeboat reaches
 * the database the application reaches. User and password are percent-encoded: a password
 * with `@` or `/` would otherwise change the URL's meaning.
 */
export function connectionFromEnv(env: EnvVars): EnvConnection {
  for (const name of ['DATABASE_URL', 'DB_URL']) {
    const url = get(env, name);
    if (url !== undefined) return { kind: 'url', url, source: name };
  }
  const driver = get(env, 'DB_CONNECTION')?.toLowerCase();
  if (driver === undefined) return { kind: 'none' };
  if (driver === 'sqlite') {
    const file = get(env, 'DB_DATABASE') ?? 'database/database.sqlite';
    return { kind: 'url', url: `sqlite:${file}`, source: 'DB_CONNECTION' };
  }
  const known = DRIVERS[driver];
  if (known === undefined) {
    return {
      kind: 'unsupported',
      warning: `DB_CONNECTION="${driver}" is not supported (use sqlite, pgsql, mysql or mariadb); no default connection`,
    };
  }
  const host = get(env, 'DB_HOST') ?? '127.0.0.1';
  const port = get(env, 'DB_PORT') ?? known.port;
  const database = get(env, 'DB_DATABASE') ?? 'laravel';
  const user = get(env, 'DB_USERNAME') ?? 'root';
  const password = get(env, 'DB_PASSWORD');
  const auth =
    encodeURIComponent(user) + (password === undefined ? '' : `:${encodeURIComponent(password)}`);
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `${known.scheme}://${auth}@${hostPart}:${port}/${encodeURIComponent(database)}`;
  return { kind: 'url', url, source: 'DB_CONNECTION' };
}
