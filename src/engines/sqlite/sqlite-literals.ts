import { isUtf8 } from 'node:buffer';
import { TextBytes, type CellValue } from './sqlite-cell.js';

/** Quotes an identifier the one way SQLite always accepts: double quotes, `"` doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string as an SQL text literal, `'` doubled. */
export function quoteString(text: string): string {
  // Most text holds no quote; skipping replaceAll then saves a copy of every value.
  return text.includes("'") ? `'${text.replaceAll("'", "''")}'` : `'${text}'`;
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
  // String() writes a finite integral double below 1e21 without '.' or exponent, else with one.
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? `${text}.0` : text;
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
 * The SQL literal for one stored value as the row reader delivers it (see sqlite-cell.ts). A
 * string is exact text: plain `'...'` unless it holds NUL, which a quoted literal cannot carry.
 */
export function valueLiteral(value: CellValue | undefined): string {
  if (typeof value === 'string') {
    if (!value.includes('\0')) return quoteString(value);
    return `CAST(X'${Buffer.from(value, 'utf8').toString('hex')}' AS TEXT)`;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return realLiteral(value);
  if (value instanceof TextBytes) return textLiteral(value.bytes);
  return `X'${value.toString('hex')}'`;
}
