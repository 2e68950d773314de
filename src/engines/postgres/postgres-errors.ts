import { NETWORK_ERROR_CODES, unreachable } from '../shared/network-errors.js';
import {
  LifeboatError,
  abortedError,
  internalBug,
  messageOf,
  systemCode,
} from '../../errors/index.js';

/** The fields of a server error that lifeboat reports (see pg's DatabaseError). */
export interface PgErrorFields {
  readonly code?: string;
  readonly position?: string;
  readonly where?: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** The server error fields of `err`, when it came from the server. */
export function pgFields(err: unknown): PgErrorFields {
  return typeof err === 'object' && err !== null ? (err as PgErrorFields) : {};
}

/**
 * Translates an error from `pg` (a server error with a SQLSTATE, or a socket error) into a
 * {@link LifeboatError} naming the database and saying what to do. LifeboatErrors pass through.
 */
export function fromPgError(
  err: unknown,
  action: string,
  display: string,
  database: string,
): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const code = systemCode(err) ?? '';
  const message = lower(messageOf(err));
  const where = `while ${action} "${display}"`;
  // 57P01 admin_shutdown, 57P03 cannot_connect_now: the server is going away or not up yet.
  if (NETWORK_ERROR_CODES.has(code) || code === '57P01' || code === '57P03')
    return unreachable(`cannot reach postgresql ${where}: ${message}`, err);
  switch (code) {
    case '28P01':
    case '28000':
      return new LifeboatError('DB_UNREACHABLE', `authentication failed ${where}: ${message}`, {
        hint: 'check the user and password in the url (or PGPASSWORD / ~/.pgpass) and pg_hba.conf',
        cause: err,
      });
    case '3D000':
      return new LifeboatError('DB_NOT_FOUND', `database "${database}" does not exist`, {
        hint: `create it first, or restore with --to into a new database; the url was "${display}"`,
        cause: err,
      });
    case '42501':
      return new LifeboatError('PERMISSION_DENIED', `permission denied ${where}: ${message}`, {
        hint: 'connect as a user that owns the objects or has been granted access (a superuser can read everything)',
        cause: err,
      });
    case '53100':
      return new LifeboatError('DISK_FULL', `the server ran out of disk space ${where}`, {
        hint: 'free space on the database server; the database was left as it was',
        cause: err,
      });
    case '57014':
      return abortedError(err);
    default:
      return (
        internalBug(err, `lifeboat failed ${where}`) ??
        new LifeboatError('DB_ERROR', `postgresql error ${where}: ${message}`, {
          hint: pgFields(err).hint ?? 'see the postgresql server log for details',
          cause: err,
        })
      );
  }
}

/** The first line of a server message, lowercase-first and without a trailing period. */
export function lower(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.replace(/\.$/, '').replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
}
