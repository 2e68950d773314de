import { isUtf8 } from 'node:buffer';

/** Quotes an identifier the one way SQLite always accepts: double quotes, `"` doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string as an SQL text literal, `'` doubled. */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A REAL literal that reads back as the same double and as a REAL. `String(n)` is the shortest
 * decimal that round-trips; an integral value gets `.0` so SQLite does not parse it as INTEGER;
 * -0.0 keeps its sign; infinities use `1e999` as `sqlite3 .dump` does (NaN is never stored:
 * SQLite turns it into NULL).
 */
export function realLiteral(n: number): string {
  if (n === Infinity) return '1e999';
  if (n === -Infinity) return '-1e999';
  if (Object.is(n, -0)) return '-0.0';
  const text = String(n);
  return /[.eEN]/.test(text) ? text : `${text}.0`;
}

/**
 * A TEXT literal holding exactly `bytes`. Valid UTF-8 without NUL becomes a plain `'...'`
 * string (readable, and what `sqlite3` expects); anything else becomes `CAST(X'..' AS TEXT)`,
 * which SQLite stores byte for byte in a UTF-8 database.
 */
export function textLiteral(bytes: Buffer): string {
  if (isUtf8(bytes) && !bytes.includes(0)) return quoteString(bytes.toString('utf8'));
  return `CAST(X'${bytes.toString('hex')}' AS TEXT)`;
}

/**
 * The SQL literal for one stored value as the row reader delivers it (see sqlite-rows.ts):
 * `text` holds a TEXT value's stored bytes (null for other classes), `value` holds the other
 * classes as better-sqlite3 returns them with safe integers (bigint, number, Buffer, null).
 */
export function valueLiteral(text: Buffer | null, value: unknown): string {
  if (text !== null) return textLiteral(text);
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return realLiteral(value);
  if (Buffer.isBuffer(value)) return `X'${value.toString('hex')}'`;
  // A string only arrives from a UTF-16 database, where text is read decoded (see sqlite-rows.ts).
  return quoteString(String(value));
}
