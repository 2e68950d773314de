import type { ConnectionTarget } from '../engine.js';
import { NETWORK_ERROR_CODES, unreachable } from '../shared/network-errors.js';
import { LifeboatError, internalBug, messageOf } from '../../errors/index.js';

/** The error code mysql2 attaches: a server code (`ER_…`) or a socket code (`ECONNREFUSED`). */
export function mysqlCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The server's own message when there is one, lowercased first letter, no trailing period. */
export function mysqlMessage(err: unknown): string {
  const sql = (err as { sqlMessage?: unknown } | null)?.sqlMessage;
  const text = typeof sql === 'string' ? sql : messageOf(err);
  const line = text.split('\n')[0] ?? '';
  return line.replace(/\.$/, '').replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
}

/**
 * Translates an error from mysql2 into a {@link LifeboatError} naming the server and database
 * (never the password) and saying what to do. LifeboatErrors pass through unchanged.
 */
export function fromMysqlError(
  err: unknown,
  action: string,
  target: ConnectionTarget,
): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const code = mysqlCode(err) ?? '';
  const where = `"${target.display}"`;
  if (NETWORK_ERROR_CODES.has(code) || code === 'PROTOCOL_CONNECTION_LOST')
    return unreachable(`cannot reach mysql server ${where} (${code})`, err);
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
      return new LifeboatError('DB_UNREACHABLE', `access denied to ${where} while ${action}`, {
        hint: 'check the user and password in the url, and that the user may connect from this host',
        cause: err,
      });
    case 'ER_BAD_DB_ERROR':
      return new LifeboatError('DB_NOT_FOUND', `database "${target.database}" does not exist`, {
        hint: `create it first, or check the database name in ${where}`,
        cause: err,
      });
    case 'ER_TABLEACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_PROCACCESS_DENIED_ERROR':
      return new LifeboatError(
        'DB_ERROR',
        `permission denied while ${action} ${where}: ${mysqlMessage(err)}`,
        {
          hint: 'grant the user the privileges lifeboat needs (SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES; CREATE/DROP/ALTER to restore)',
          cause: err,
        },
      );
    default:
      return (
        internalBug(err, `lifeboat failed while ${action} ${where}`) ??
        new LifeboatError(
          'DB_ERROR',
          `mysql error while ${action} ${where}: ${mysqlMessage(err)}`,
          {
            hint: 'see the server error above; nothing was changed',
            cause: err,
          },
        )
      );
  }
}
