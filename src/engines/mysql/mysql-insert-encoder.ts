import { isUtf8 } from 'node:buffer';
import { HEX_MAX_BYTES, type ValueKind } from './mysql-columns.js';
import { headerSize, lengthAt, NULL_VALUE } from './mysql-packet.js';

/**
 * Statements grow to about this many UTF-16 units: far below the default max_allowed_packet.
 * A tuple this long or longer goes into a statement of its own, so that a row the server
 * took fits into a statement as small as it can be.
 */
export const STATEMENT_CHARS = 1 << 20;

/** Output is handed on in chunks of about this many bytes. */
const CHUNK_BYTES = 64 * 1024;

/** Room per column beyond twice its bytes: `_binary''` and a separator, or `NULL`. */
const SLACK = 10;

/** Chunks are cut from slabs of this size; the writer may keep a chunk, so none is reused. */
const SLAB_BYTES = 512 * 1024;

/** For each ASCII byte, the letter after the backslash that escapes it (0: written as is). */
const ESCAPE = new Uint8Array(128);
ESCAPE[0x00] = 0x30; // \0
ESCAPE[0x0a] = 0x6e; // \n
ESCAPE[0x0d] = 0x72; // \r
ESCAPE[0x5c] = 0x5c; // \\
ESCAPE[0x27] = 0x27; // \'
ESCAPE[0x22] = 0x22; // \"
ESCAPE[0x1a] = 0x5a; // \Z

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Writes multi-row INSERTs straight from the raw values into a reused byte buffer: the bytes
 * `valueLiteral`/`quoteString` produce, without a string per value or per statement (those
 * were half of a dump's main-thread time, with the garbage collector). A statement ends
 * after the row that brings it to {@link STATEMENT_CHARS} UTF-16 units, counted from the
 * UTF-8 bytes (a `_binary` string's bytes count one each), so statements break exactly where
 * the string-built dump broke them; a tuple of that length alone starts a statement.
 */
export class InsertEncoder {
  readonly #prefix: Buffer;
  readonly #prefixUnits: number;
  readonly #kinds: readonly ValueKind[];
  #buf = Buffer.allocUnsafe(SLAB_BYTES);
  /** Start of the bytes not yet taken; `#at` is their end. */
  #start = 0;
  #at = 0;
  /** UTF-16 units of the statement in progress; 0 when none is open. */
  #units = 0;
  /** Where the tuple being written starts: its `,` (-1 for a statement's first tuple). */
  #tupleComma = -1;
  /** `#units` before the tuple's `(`. */
  #tupleUnits = 0;

  /** `prefix` is `INSERT INTO … VALUES `; `kinds` says how each column is written. */
  constructor(prefix: string, kinds: readonly ValueKind[]) {
    this.#prefix = Buffer.from(prefix, 'utf8');
    this.#prefixUnits = prefix.length;
    this.#kinds = kinds;
  }

  /** Bytes waiting to be taken. */
  get size(): number {
    return this.#at - this.#start;
  }

  /** True when a chunk is ready to go. */
  get full(): boolean {
    return this.#at - this.#start >= CHUNK_BYTES;
  }

  /** Appends text as UTF-8 outside any statement (`DELETE FROM …;`). */
  addText(text: string): void {
    this.#reserve(Buffer.byteLength(text, 'utf8'));
    this.#at += this.#buf.write(text, this.#at, 'utf8');
  }

  /** Appends one row's tuple, opening a statement first and closing it when it is long enough. */
  addRow(values: readonly (Buffer | null)[]): void {
    let need = 0;
    for (let i = 0; i < values.length; i++) need += SLACK + 2 * (values[i]?.length ?? 0);
    this.#open(need);
    const kinds = this.#kinds;
    for (let i = 0; i < values.length; i++) {
      if (i > 0) {
        this.#buf[this.#at++] = 0x2c;
        this.#units++;
      }
      const v = values[i] ?? null;
      if (v === null) this.#null();
      else this.#value(kinds[i], v, 0, v.length);
    }
    this.#close();
  }

  /**
   * Appends one row straight from a text-protocol row packet (`src[start, end)`: one
   * length-encoded string or 0xFB (NULL) per column), with the bytes {@link addRow} writes
   * for the same values, without a Buffer per value.
   */
  addPacket(src: Buffer, start: number, end: number): void {
    const kinds = this.#kinds;
    const count = kinds.length;
    // Every byte at most doubles (escapes, hex); quotes, `_binary`, NULL and separators fit
    // in SLACK per column.
    this.#open(2 * (end - start) + SLACK * count);
    let p = start;
    for (let i = 0; i < count; i++) {
      if (i > 0) {
        this.#buf[this.#at++] = 0x2c;
        this.#units++;
      }
      const first = src[p] as number;
      if (first === NULL_VALUE) {
        p++;
        this.#null();
        continue;
      }
      const n = lengthAt(src, p);
      p += headerSize(first);
      this.#value(kinds[i], src, p, p + n);
      p += n;
    }
    this.#close();
  }

  /** Room for a tuple of `need` bytes, and its `(` (with `INSERT … VALUES` or `,` before it). */
  #open(need: number): void {
    this.#reserve(need + this.#prefix.length + 8);
    const buf = this.#buf;
    if (this.#units === 0) {
      this.#prefix.copy(buf, this.#at);
      this.#at += this.#prefix.length;
      this.#tupleComma = -1;
      this.#tupleUnits = this.#prefixUnits;
      this.#units = this.#prefixUnits + 1;
      buf[this.#at++] = 0x28; // (
    } else {
      this.#tupleComma = this.#at;
      buf[this.#at++] = 0x2c; // ,
      this.#tupleUnits = this.#units + 1;
      buf[this.#at++] = 0x28;
      this.#units += 2;
    }
  }

  /** The tuple's `)`; the statement ends once it is long enough. */
  #close(): void {
    this.#buf[this.#at++] = 0x29; // )
    this.#units++;
    const tupleUnits = this.#units - this.#tupleUnits;
    if (this.#tupleComma >= 0 && tupleUnits >= STATEMENT_CHARS) this.#alone(tupleUnits);
    if (this.#units >= STATEMENT_CHARS) this.end();
  }

  /**
   * Ends the statement before the tuple just written (its `,` becomes `;\n` and the prefix):
   * a row of megabytes appended to a statement of a megabyte could exceed max_allowed_packet
   * where the row alone does not.
   */
  #alone(tupleUnits: number): void {
    const tuple = this.#tupleComma + 1 - this.#start;
    const length = this.#at - this.#tupleComma - 1;
    const grow = 1 + this.#prefix.length;
    this.#reserve(grow);
    const buf = this.#buf;
    const from = this.#start + tuple;
    buf.copyWithin(from + grow, from, from + length);
    buf[from - 1] = 0x3b; // ;
    buf[from] = 0x0a;
    this.#prefix.copy(buf, from + 1);
    this.#at = from + grow + length;
    this.#units = this.#prefixUnits + tupleUnits;
  }

  #value(kind: ValueKind | undefined, src: Buffer, s: number, e: number): void {
    if (kind === 'number') this.#latin1(src, s, e);
    else if (kind === 'hex' || (kind === 'binary' && e - s <= HEX_MAX_BYTES)) this.#hex(src, s, e);
    else if (kind === 'binary') this.#binary(src, s, e);
    else this.#string(src, s, e);
  }

  /** Closes the statement in progress, if any. */
  end(): void {
    if (this.#units === 0) return;
    this.#reserve(2);
    this.#buf[this.#at++] = 0x3b; // ;
    this.#buf[this.#at++] = 0x0a;
    this.#units = 0;
  }

  /** The UTF-8 bytes not yet taken (the caller may keep them: they are never overwritten). */
  take(): Buffer {
    const chunk = this.#buf.subarray(this.#start, this.#at);
    this.#start = this.#at;
    return chunk;
  }

  /** Makes room for `bytes` more: a fresh slab, with the bytes not yet taken moved to it. */
  #reserve(bytes: number): void {
    if (this.#at + bytes <= this.#buf.length) return;
    const pending = this.#at - this.#start;
    const next = Buffer.allocUnsafe(Math.max(SLAB_BYTES, pending + bytes));
    this.#buf.copy(next, 0, this.#start, this.#at);
    this.#buf = next;
    this.#start = 0;
    this.#at = pending;
  }

  /** `NULL`, stored byte by byte: a native `write` call per NULL cost more than the bytes. */
  #null(): void {
    const buf = this.#buf;
    const at = this.#at;
    buf[at] = 0x4e;
    buf[at + 1] = 0x55;
    buf[at + 2] = 0x4c;
    buf[at + 3] = 0x4c;
    this.#at = at + 4;
    this.#units += 4;
  }

  #ascii(text: string): void {
    this.#at += this.#buf.write(text, this.#at, 'latin1');
    this.#units += text.length;
  }

  /** A number as the server printed it; `valueLiteral` read it as latin1. */
  #latin1(v: Buffer, s: number, e: number): void {
    const buf = this.#buf;
    let at = this.#at;
    for (let i = s; i < e; i++) {
      const c = v[i] as number;
      if (c < 0x80) buf[at++] = c;
      else {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
      }
    }
    this.#at = at;
    this.#units += e - s;
  }

  /** `0x…`, or `''` for an empty value (`0x` alone is not valid). */
  #hex(v: Buffer, s: number, e: number): void {
    const n = e - s;
    if (n === 0) {
      this.#ascii("''");
      return;
    }
    const buf = this.#buf;
    let at = this.#at;
    buf[at++] = 0x30;
    buf[at++] = 0x78;
    if (n > 256) at += buf.write(v.toString('hex', s, e), at, 'latin1');
    else {
      for (let i = s; i < e; i++) {
        const c = v[i] as number;
        buf[at++] = HEX[c >> 4] as number;
        buf[at++] = HEX[c & 15] as number;
      }
    }
    this.#at = at;
    this.#units += 2 + 2 * n;
  }

  /** `_binary'…'`: the bytes with `quoteString`'s escapes, one unit each. */
  #binary(v: Buffer, s: number, e: number): void {
    this.#ascii('_binary');
    const at = this.#at;
    const units = this.#units;
    this.#quoted(v, s, e);
    // #quoted counted UTF-8 characters; every byte of a binary string is one.
    this.#units = units + this.#at - at;
  }

  /**
   * A quoted string with `quoteString`'s escapes, from the value's UTF-8 bytes (every byte
   * that is escaped is ASCII, so escaping bytes is escaping characters). A value that is not
   * valid UTF-8 is written as `toString('utf8')` decoded it, with U+FFFD.
   */
  #string(value: Buffer, s: number, e: number): void {
    const at = this.#at;
    const units = this.#units;
    if (this.#quoted(value, s, e) && !isUtf8(value.subarray(s, e))) {
      this.#at = at;
      this.#units = units;
      const valid = Buffer.from(value.toString('utf8', s, e), 'utf8');
      this.#reserve(2 * valid.length + 2);
      this.#quoted(valid, 0, valid.length);
    }
  }

  /** Writes `'…'`; true when the value has non-ASCII bytes. */
  #quoted(v: Buffer, s: number, e: number): boolean {
    const out = this.#buf;
    let at = this.#at;
    let units = 2;
    let high = false;
    out[at++] = 0x27;
    for (let i = s; i < e; i++) {
      const c = v[i] as number;
      if (c < 0x80) {
        const esc = ESCAPE[c] as number;
        if (esc === 0) {
          out[at++] = c;
          units++;
        } else {
          out[at++] = 0x5c;
          out[at++] = esc;
          units += 2;
        }
      } else {
        out[at++] = c;
        high = true;
        // A lead byte starts one UTF-16 unit, or two (a surrogate pair) for 4-byte sequences.
        if (c >= 0xc0) units += c >= 0xf0 ? 2 : 1;
      }
    }
    out[at++] = 0x27;
    this.#at = at;
    this.#units += units;
    return high;
  }
}
