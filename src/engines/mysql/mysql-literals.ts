import type { ValueKind } from './mysql-columns.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\x1a': '\\Z',
};

/**
 * A string literal escaped as `mysql_real_escape_string` (and so mysqldump) does it: the
 * dump header sets a sql_mode without NO_BACKSLASH_ESCAPES, so backslash escapes are read
 * back the same by the server, the `mariadb` client and lifeboat.
 */
export function quoteString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `'${text.replace(/[\0\n\r\\'"\x1a]/g, (c) => ESCAPES[c] ?? c)}'`;
}

/**
 * One raw value from the text protocol as an SQL literal: numbers as the server printed
 * them, binary data as a hex literal (`''` when empty: `0x` alone is not valid), everything
 * else as an escaped utf8mb4 string (the session's result charset).
 */
export function valueLiteral(value: Buffer | null, kind: ValueKind): string {
  if (value === null) return 'NULL';
  switch (kind) {
    case 'number':
      return value.toString('latin1');
    case 'hex':
      return value.length === 0 ? "''" : `0x${value.toString('hex')}`;
    case 'string':
      return quoteString(value.toString('utf8'));
  }
}
