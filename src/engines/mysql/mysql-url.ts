import type { ConnectionTarget } from '../engine.js';
import { LifeboatError } from '../../errors/index.js';

const HINT = 'expected mysql://user:password@host:3306/database (or mariadb://…)';
const DEFAULT_PORT = 3306;

/** Connection settings read from a URL; only the engine sees the password. */
export interface MysqlAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
}

/**
 * Parses `mysql://user:pass@host:port/db` and `mariadb://…`. User, password and database are
 * percent-decoded, as in every other database URL, so a password may hold `@` or `/`.
 * The display form keeps the user and drops the password; the lock key names server and
 * database only, so two users of one database share its lock.
 */
export function parseMysqlUrl(url: string): ConnectionTarget {
  const address = mysqlAddress(url);
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  const hostPort = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const db = encodeURIComponent(address.database);
  return {
    engine: 'mysql',
    url,
    display: `${scheme}://${encodeURIComponent(address.user)}@${hostPort}/${db}`,
    database: address.database,
    lockKey: `mysql://${hostPort.toLowerCase()}/${db}`,
  };
}

/** The parts of a URL {@link parseMysqlUrl} accepted; throws URL_INVALID otherwise. */
export function mysqlAddress(url: string): MysqlAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, 'it cannot be parsed');
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw invalid(url, 'the scheme must be mysql or mariadb');
  }
  const database = decode(parsed.pathname.replace(/^\//, ''), url);
  if (database === '' || database.includes('/')) throw invalid(url, 'it names no database');
  if (parsed.hostname === '') throw invalid(url, 'it names no host');
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: parsed.username === '' ? 'root' : decode(parsed.username, url),
    password: parsed.password === '' ? undefined : decode(parsed.password, url),
    database,
  };
}

/** The same server with another database: scratch databases live next to the original. */
export function withDatabase(target: ConnectionTarget, database: string): ConnectionTarget {
  const parsed = new URL(target.url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parseMysqlUrl(parsed.toString());
}

function decode(part: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(url, 'it holds a bad percent-escape');
  }
}

function invalid(url: string, why: string): LifeboatError {
  return new LifeboatError('URL_INVALID', `invalid mysql url "${redact(url)}": ${why}`, {
    hint: HINT,
  });
}

/** Never echo a password, even in an error about the URL that holds it. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
