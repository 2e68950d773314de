import { LifeboatError, messageOf, systemCode } from '../errors/index.js';

const REBUILD_HINT =
  'move the file away and run "lifeboat catalog rebuild" to recreate it from the storages';

/**
 * Translates an SQLite error raised while `action` on the catalog at `path` into a
 * {@link LifeboatError}. The catalog is a cache of the storages, so a damaged one is never
 * fatal to the data: the hint says how to rebuild it.
 */
export function catalogError(err: unknown, action: string, path: string): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const code = systemCode(err) ?? '';
  const what = `${action} the catalog "${path}"`;
  // Extended result codes (SQLITE_IOERR_WRITE, ...) start with the primary one.
  const primary = code.split('_').slice(0, 2).join('_');
  switch (primary) {
    case 'SQLITE_FULL':
      return new LifeboatError('DISK_FULL', `no space left on device while ${what}`, {
        hint: 'free space on that disk',
        cause: err,
      });
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return new LifeboatError('PERMISSION_DENIED', `permission denied while ${what}`, {
        hint: 'check the owner and mode of the file and its directory',
        cause: err,
      });
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new LifeboatError(
        'IO_ERROR',
        `${what} timed out: another lifeboat process keeps it busy`,
        {
          hint: 'try again; if it persists, look for a hung lifeboat process',
          cause: err,
        },
      );
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new LifeboatError('IO_ERROR', `${what} failed: the file is damaged or not a catalog`, {
        hint: REBUILD_HINT,
        cause: err,
      });
    default:
      return new LifeboatError('IO_ERROR', `${what} failed: ${messageOf(err)}`, { cause: err });
  }
}
