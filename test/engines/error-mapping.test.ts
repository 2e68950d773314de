import { expect, test } from 'vitest';
import { fromMysqlError } from '../../src/engines/mysql/mysql-errors.js';
import { fromPgError } from '../../src/engines/postgres/postgres-errors.js';
import { fromSqliteError } from '../../src/engines/sqlite/sqlite-errors.js';
import { ERROR_CODES } from '../../src/errors/index.js';
import { mysqlTarget } from '../support/mysql-db.js';

/**
 * A bug in lifeboat (a TypeError reading the catalog, say) is INTERNAL, exit 70, not the
 * server's error with "see the server log": a zero-column table once failed a PostgreSQL
 * backup as "postgresql error … cannot read properties of null".
 */
test('each engine maps a JavaScript bug to INTERNAL and a server error to DB_ERROR', () => {
  const bug = (): TypeError => new TypeError("cannot read properties of null (reading 'filter')");
  const server = (code: string): Error => Object.assign(new Error('relation is broken'), { code });
  const mapped = [
    [fromPgError(bug(), 'reading the schema of', 'postgres://h/db', 'db'), 'INTERNAL'],
    [fromPgError(server('XX000'), 'reading the schema of', 'postgres://h/db', 'db'), 'DB_ERROR'],
    [fromMysqlError(bug(), 'dumping', mysqlTarget('db')), 'INTERNAL'],
    [fromMysqlError(server('ER_UNKNOWN'), 'dumping', mysqlTarget('db')), 'DB_ERROR'],
    [fromSqliteError(new RangeError('offset out of range'), 'reading', '/x.db'), 'INTERNAL'],
    [fromSqliteError(server('SQLITE_ERROR'), 'reading', '/x.db'), 'DB_ERROR'],
  ] as const;
  for (const [error, code] of mapped) {
    expect(error.code).toBe(code);
    if (code === 'INTERNAL') {
      expect(error.message).toMatch(/^lifeboat failed while .*: (cannot read|offset out)/);
      expect(error.hint).toMatch(/bug in lifeboat/);
    }
  }
  expect(ERROR_CODES.INTERNAL.exitCode).toBe(70);
});
