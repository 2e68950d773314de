import { LifeboatError, internalBug, messageOf, systemCode } from '../../errors/index.js';

/**
 * Translates an error from better-sqlite3 (a `SqliteError` with an extended result code such as
 * `SQLITE_IOERR_WRITE`) or from the file system into a {@link LifeboatError} that names the
 * file and says what to do. LifeboatErrors pass through unchanged.
 */
export function fromSqliteError(err: unknown, action: string, path: string): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const code = systemCode(err) ?? '';
  const message = messageOf(err).split('\n')[0] ?? '';
  const primary = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  const quoted = `"${path}"`;
  switch (primary) {
    case 'SQLITE_CANTOPEN':
    case 'ENOENT':
      return new LifeboatError(
        'DB_UNREACHABLE',
        `cannot open sqlite database ${quoted} while ${action}`,
        {
          hint: 'check that the file and its directory exist and are readable by this user',
          cause: err,
        },
      );
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new LifeboatError(
        'DB_UNREACHABLE',
        `${quoted} is not a sqlite database (${lower(message)})`,
        {
          hint: 'check the path in the connection url; a damaged file may still be readable with "sqlite3 .recover"',
          cause: err,
        },
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new LifeboatError(
        'DB_ERROR',
        `sqlite database ${quoted} is locked by another connection while ${action}`,
        {
          hint: 'another process holds a write lock; retry when it has finished',
          cause: err,
        },
      );
    case 'SQLITE_FULL':
    case 'ENOSPC':
    case 'EDQUOT':
      return new LifeboatError('DISK_FULL', `no space left on device while ${action} ${quoted}`, {
        hint: 'free space on that disk; the database was left as it was',
        cause: err,
      });
    case 'SQLITE_PERM':
    case 'SQLITE_READONLY':
    case 'SQLITE_AUTH':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new LifeboatError('PERMISSION_DENIED', `permission denied while ${action} ${quoted}`, {
        hint: 'check the owner and mode of the database file and of its directory (sqlite writes journal files there)',
        cause: err,
      });
    default:
      return (
        internalBug(err, `lifeboat failed while ${action} ${quoted}`) ??
        new LifeboatError('DB_ERROR', `sqlite error while ${action} ${quoted}: ${lower(message)}`, {
          hint: 'run "sqlite3 <file> \'PRAGMA integrity_check\'" to check the database',
          cause: err,
        })
      );
  }
}

/** The first line of an sqlite message, as lifeboat's one-line lowercase style wants it. */
export function lower(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.replace(/\.$/, '').replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
}
