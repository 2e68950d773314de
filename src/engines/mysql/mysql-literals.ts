import { HEX_MAX_BYTES, type ValueKind } from './mysql-columns.js';

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
 * One raw value from the text protocol as the bytes of an SQL literal: numbers as the server
 * printed them; BIT values, and binary values up to {@link HEX_MAX_BYTES} bytes, as a hex
 * literal (`''` when empty: `0x` alone is not valid); longer binary values as `_binary'…'`
 * with `quoteString`'s escapes and every other byte as it is; everything else as an escaped
 * utf8mb4 string (the session's result charset). The definition `InsertEncoder` writes.
 */
export function valueLiteral(value: Buffer | null, kind: ValueKind): Buffer {
  if (value === null) return Buffer.from('NULL');
  switch (kind) {
    case 'number':
      return Buffer.from(value.toString('latin1'), 'utf8');
    case 'hex':
      return Buffer.from(value.length === 0 ? "''" : `0x${value.toString('hex')}`);
    case 'binary':
      return value.length <= HEX_MAX_BYTES
        ? valueLiteral(value, 'hex')
        : Buffer.from(`_binary${quoteString(value.toString('latin1'))}`, 'latin1');
    case 'string':
      return Buffer.from(quoteString(value.toString('utf8')), 'utf8');
  }
}
