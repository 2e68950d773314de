import { isUtf8 } from 'node:buffer';
import { isFileSetting, type FileSettingName } from './sqlite-file-settings.js';

/** What a restore needs to know about one statement of a dump. */
export type StatementKind =
  /** BEGIN / COMMIT / END: the restore runs its own transaction instead. */
  | { readonly kind: 'transaction'; readonly ends: boolean }
  /** ROLLBACK: `sqlite3 .dump` writes it when the dump itself failed. */
  | { readonly kind: 'rollback' }
  /** PRAGMA foreign_keys: the restore keeps them off and restores the setting afterwards. */
  | { readonly kind: 'foreign-keys' }
  /** PRAGMA ignore_check_constraints: the restore keeps it on and restores the setting afterwards. */
  | { readonly kind: 'check-constraints' }
  /** PRAGMA writable_schema, used around virtual tables. */
  | { readonly kind: 'writable-schema' }
  /** `PRAGMA page_size|auto_vacuum|encoding|journal_mode = value`: a setting of the file. */
  | { readonly kind: 'file-setting'; readonly name: FileSettingName; readonly value: string }
  /** CREATE TABLE, CREATE VIRTUAL TABLE, or `.dump`'s INSERT INTO sqlite_schema for a virtual table. */
  | { readonly kind: 'create-table'; readonly table: string; readonly virtual: boolean }
  /** CREATE INDEX / TRIGGER on `table`, CREATE VIEW (table null). */
  | { readonly kind: 'create-object'; readonly table: string | null }
  /** INSERT / REPLACE / UPDATE / DELETE on a user table. */
  | { readonly kind: 'data'; readonly table: string }
  /** INSERT INTO sqlite_sequence: the AUTOINCREMENT state of `table` (null if unreadable). */
  | { readonly kind: 'sequence'; readonly table: string | null }
  /** DELETE FROM sqlite_sequence. */
  | { readonly kind: 'sequence-reset' }
  /** `ANALYZE sqlite_schema`: `.dump`'s way to create the empty statistics tables. */
  | { readonly kind: 'analyze-schema' }
  /** INSERT INTO sqlite_stat1: planner statistics of `table` (null if unreadable). */
  | { readonly kind: 'stat'; readonly table: string | null }
  | { readonly kind: 'other' };

interface Token {
  /** `word` (keyword or bare name, lower-cased in `lower`), `name` (quoted identifier), `string`, `punct`. */
  readonly type: 'word' | 'name' | 'string' | 'punct';
  readonly text: string;
  readonly lower: string;
}

/** Tokens of a statement, lazily, skipping whitespace and comments. */
function* tokens(sql: string): Generator<Token> {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i))
      i = sql.indexOf('\n', i) === -1 ? sql.length : sql.indexOf('\n', i);
    else if (sql.startsWith('/*', i))
      i = sql.indexOf('*/', i + 2) === -1 ? sql.length : sql.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      let text = '';
      for (;;) {
        const k = sql.indexOf(close, j);
        if (k === -1) return;
        text += sql.slice(j, k);
        if (close !== ']' && sql[k + 1] === close) {
          text += close;
          j = k + 2;
        } else {
          j = k + 1;
          break;
        }
      }
      yield { type: c === "'" ? 'string' : 'name', text, lower: text.toLowerCase() };
      i = j;
    } else if (/[\p{L}\p{N}_$\u0080-\uffff]/u.test(c)) {
      const m = /^[\p{L}\p{N}_$\u0080-\uffff]+/u.exec(sql.slice(i, i + 200));
      const text = m?.[0] ?? c;
      yield { type: 'word', text, lower: text.toLowerCase() };
      i += text.length;
    } else {
      yield { type: 'punct', text: c, lower: c };
      i++;
    }
  }
}

/** A peekable stream of tokens. */
class Lexer {
  readonly #it: Generator<Token>;
  #peeked: Token | undefined;
  #hasPeek = false;

  constructor(sql: string) {
    this.#it = tokens(sql);
  }

  next(): Token | undefined {
    if (this.#hasPeek) {
      this.#hasPeek = false;
      return this.#peeked;
    }
    return this.#it.next().value as Token | undefined;
  }

  peek(): Token | undefined {
    if (!this.#hasPeek) {
      this.#peeked = this.#it.next().value as Token | undefined;
      this.#hasPeek = true;
    }
    return this.#peeked;
  }

  /** Reads `[schema.]name` and returns the name. */
  name(): string | null {
    const t = this.next();
    if (t === undefined || t.type === 'punct') return null;
    if (this.peek()?.text !== '.') return t.text;
    this.next();
    const u = this.next();
    return u === undefined || u.type === 'punct' ? null : u.text;
  }

  /** Consumes `IF NOT EXISTS` when it comes next. */
  skipIfNotExists(): void {
    if (this.peek()?.lower !== 'if') return;
    this.next();
    this.next();
    this.next();
  }
}

/** Classifies one complete statement by its first tokens. */
export function classifyStatement(sql: string): StatementKind {
  const lx = new Lexer(sql);
  const first = lx.next()?.lower;
  switch (first) {
    case 'begin':
      return { kind: 'transaction', ends: false };
    case 'commit':
    case 'end':
      return { kind: 'transaction', ends: true };
    case 'rollback': {
      const rest = [lx.next()?.lower, lx.next()?.lower];
      return rest.includes('to') ? { kind: 'other' } : { kind: 'rollback' };
    }
    case 'pragma': {
      const name = lx.name()?.toLowerCase();
      if (name === 'foreign_keys') return { kind: 'foreign-keys' };
      if (name === 'ignore_check_constraints') return { kind: 'check-constraints' };
      if (name === 'writable_schema') return { kind: 'writable-schema' };
      if (name !== undefined && isFileSetting(name)) {
        const op = lx.next()?.text;
        const value = lx.next();
        if ((op === '=' || op === '(') && value !== undefined && value.type !== 'punct')
          return { kind: 'file-setting', name, value: value.text };
      }
      return { kind: 'other' };
    }
    case 'create':
      return classifyCreate(lx);
    case 'analyze': {
      const target = lx.name()?.toLowerCase();
      const schemaTable = target === 'sqlite_schema' || target === 'sqlite_master';
      const rest = lx.next();
      const ends = rest === undefined || rest.text === ';';
      return schemaTable && ends ? { kind: 'analyze-schema' } : { kind: 'other' };
    }
    case 'insert':
    case 'replace':
      return classifyInsert(lx, first === 'replace');
    case 'delete':
      return lx.next()?.lower === 'from' ? dataOn(lx.name(), true) : { kind: 'other' };
    case 'update':
      if (lx.peek()?.lower === 'or') {
        lx.next();
        lx.next();
      }
      return dataOn(lx.name(), false);
    default:
      return { kind: 'other' };
  }
}

function dataOn(table: string | null, isDelete: boolean): StatementKind {
  if (table === null) return { kind: 'other' };
  const lower = table.toLowerCase();
  if (lower === 'sqlite_sequence') return isDelete ? { kind: 'sequence-reset' } : { kind: 'other' };
  if (lower.startsWith('sqlite_')) return { kind: 'other' };
  return { kind: 'data', table };
}

function classifyInsert(lx: Lexer, replace: boolean): StatementKind {
  if (!replace && lx.peek()?.lower === 'or') {
    lx.next();
    lx.next();
  }
  if (lx.next()?.lower !== 'into') return { kind: 'other' };
  const table = lx.name();
  const lower = table?.toLowerCase();
  if (lower === 'sqlite_sequence')
    return { kind: 'sequence', table: stringsAfterValues(lx, 1)[0] ?? null };
  if (lower === 'sqlite_stat1')
    return { kind: 'stat', table: stringsAfterValues(lx, 1)[0] ?? null };
  if (lower === 'sqlite_schema' || lower === 'sqlite_master') {
    const values = stringsAfterValues(lx, 2);
    if (values[0]?.toLowerCase() !== 'table' || values[1] === undefined) return { kind: 'other' };
    return { kind: 'create-table', table: values[1], virtual: true };
  }
  return dataOn(table, false);
}

/** The first `count` string literals of the first row after VALUES. */
function stringsAfterValues(lx: Lexer, count: number): string[] {
  let t = lx.next();
  while (t !== undefined && t.lower !== 'values') t = lx.next();
  const found: string[] = [];
  for (t = lx.next(); t !== undefined && found.length < count; t = lx.next()) {
    if (t.type === 'string') found.push(t.text);
    else if (t.text === ')') break;
  }
  return found;
}

function classifyCreate(lx: Lexer): StatementKind {
  let what = lx.next()?.lower;
  if (what === 'temp' || what === 'temporary' || what === 'unique') what = lx.next()?.lower;
  if (what === 'table' || what === 'virtual') {
    if (what === 'virtual') lx.next(); // TABLE
    lx.skipIfNotExists();
    const table = lx.name();
    return table === null
      ? { kind: 'other' }
      : { kind: 'create-table', table, virtual: what === 'virtual' };
  }
  if (what === 'view') return { kind: 'create-object', table: null };
  if (what === 'index' || what === 'trigger') {
    lx.skipIfNotExists();
    lx.name();
    // The table follows the first ON after the object's name (a trigger's `UPDATE OF cols` has none).
    for (let t = lx.next(); t !== undefined; t = lx.next()) {
      if (t.type === 'word' && t.lower === 'on') return { kind: 'create-object', table: lx.name() };
    }
  }
  return { kind: 'other' };
}

/**
 * Decodes a statement for better-sqlite3, which only takes JavaScript strings. A string
 * literal whose bytes are not valid UTF-8 (or hold NUL) cannot survive that, so it is
 * rewritten as `CAST(X'…' AS TEXT)`, which stores the very same bytes as TEXT.
 */
export function decodeStatement(bytes: Buffer): string {
  if (isUtf8(bytes) && !bytes.includes(0)) return bytes.toString('utf8');
  const out: Buffer[] = [];
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b === 0x22 || b === 0x60 || b === 0x5b) {
      i = skipQuoted(bytes, i, b === 0x5b ? 0x5d : b);
    } else if (b === 0x2d && bytes[i + 1] === 0x2d) {
      const nl = bytes.indexOf(0x0a, i);
      i = nl === -1 ? bytes.length : nl;
    } else if (b === 0x2f && bytes[i + 1] === 0x2a) {
      const close = bytes.indexOf('*/', i + 2);
      i = close === -1 ? bytes.length : close + 2;
    } else if (b === 0x27) {
      const end = skipQuoted(bytes, i, 0x27);
      const raw = bytes.subarray(i + 1, end - 1);
      if (!isUtf8(raw) || raw.includes(0)) {
        const value = Buffer.from(raw.toString('latin1').replaceAll("''", "'"), 'latin1');
        out.push(
          bytes.subarray(start, i),
          Buffer.from(`CAST(X'${value.toString('hex')}' AS TEXT)`),
        );
        start = end;
      }
      i = end;
    } else i++;
  }
  out.push(bytes.subarray(start));
  return Buffer.concat(out).toString('utf8');
}

/** Index just past the quoted token starting at `i`; doubled closing quotes stay inside. */
function skipQuoted(bytes: Buffer, i: number, close: number): number {
  let j = i + 1;
  for (;;) {
    const k = bytes.indexOf(close, j);
    if (k === -1) return bytes.length;
    if (close !== 0x5d && bytes[k + 1] === close) j = k + 2;
    else return k + 1;
  }
}
