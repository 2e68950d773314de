import type { ConnectionTarget } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';

const HINT = 'expected postgres://user:password@host:5432/database[?sslmode=require]';
const DEFAULT_PORT = '5432';

/**
 * Parses `postgres://user:pass@host:port/db?sslmode=…` (or `postgresql://`). The database name
 * is required: libpq would fall back to the user name, but a backup or a restore must never
 * guess which database it touches. A Unix socket directory may be given as `?host=/run/pg`.
 */
export function parsePostgresUrl(url: string, _baseDir: string): ConnectionTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, 'it is not a url');
  }
  if (!/^postgres(ql)?:\/\//i.test(url)) throw invalid(url, 'it does not start with postgres://');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw invalid(url, 'no database name');
  const socket = parsed.searchParams.get('host');
  const host = parsed.hostname !== '' ? parsed.hostname : (socket ?? 'localhost');
  const port = parsed.port !== '' ? parsed.port : DEFAULT_PORT;
  return {
    engine: 'postgres',
    url,
    display: redactPostgresUrl(url),
    database,
    // Users and options do not change which database it is; host, port and name do.
    lockKey: `postgres://${host.toLowerCase()}:${port}/${database}`,
  };
}

/** The URL without its password, for messages, manifests and the catalog. */
export function redactPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '';
    for (const key of [...parsed.searchParams.keys()])
      if (/^(password|sslpassword)$/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString().replace(/^(postgres(?:ql)?:\/\/[^@/]*):@/i, '$1@');
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1@');
  }
}

/** The same server and credentials, another database (the maintenance db, a scratch db). */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  const parsed = new URL(target.url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsePostgresUrl(parsed.toString(), '');
}

function invalid(url: string, why: string): LifeboatError {
  return new LifeboatError(
    'URL_INVALID',
    `invalid postgres url "${redactPostgresUrl(url)}": ${why}`,
    {
      hint: HINT,
    },
  );
}
