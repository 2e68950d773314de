type Mode = 'code' | 'single' | 'double' | 'backtick' | 'line' | 'block';

const SEMI = Buffer.from(';');

/** The bytes the code scan must look at: quotes, `#`, `-`, `/`, and the delimiter's first. */
function specialBytes(delimiter: Buffer): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of '\'"`#-/') table[c.charCodeAt(0)] = 1;
  table[delimiter[0] as number] = 1;
  return table;
}

/**
 * Splits a stream of MySQL SQL text into statements the way the `mysql`/`mariadb` client
 * does: quotes ('…', "…" with backslash escapes, `…`), comments (`-- `, `#`, `/* … *\/`,
 * dropped), executable comments (`/*! … *\/`, `/*M! … *\/`, kept: they are real statements
 * the server runs) and `DELIMITER xx` lines, which change what ends a statement (dumps use
 * `;;` around procedure and trigger bodies). Works on bytes (every syntax character is
 * ASCII, so UTF-8 text needs no decoding while scanning) and keeps only the statement in
 * progress, so memory stays flat.
 */
export class MysqlSplitter {
  /** `latin1` yields each byte as one char, for sending unchanged with `queryRaw`. */
  readonly #encoding: 'utf8' | 'latin1';
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Start of the part of `#buf` not yet copied into `#parts`. */
  #seg = 0;
  #parts: Buffer[] = [];
  #mode: Mode = 'code';
  #escape = false;
  #delimiter: Buffer = SEMI;
  /** Bytes that can end or change the scan in code: quotes, comment starts, the delimiter's first. */
  #special = specialBytes(SEMI);
  /** True while the statement so far is only whitespace and comments. */
  #blank = true;

  constructor(encoding: 'utf8' | 'latin1' = 'utf8') {
    this.#encoding = encoding;
  }

  /** Feeds bytes; returns the statements they complete (without their delimiter). */
  push(chunk: Buffer): string[] {
    this.#buf =
      this.#buf.length === this.#seg
        ? chunk
        : Buffer.concat([this.#buf.subarray(this.#seg), chunk]);
    this.#pos -= this.#seg;
    this.#seg = 0;
    return this.#scan(false);
  }

  /** Ends the input: the last statement when it has no delimiter, or null when nothing is left. */
  end(): { statements: string[]; rest: string | null } {
    const statements = this.#scan(true);
    const rest = Buffer.concat(this.#parts).toString(this.#encoding).trim();
    this.#parts = [];
    return { statements, rest: rest === '' || this.#blank ? null : rest };
  }

  /** The delimiter in force, for tests and messages. */
  get delimiter(): string {
    return this.#delimiter.toString('utf8');
  }

  #scan(final: boolean): string[] {
    const out = this.#scanFrom(final);
    // Move what was scanned out of the buffer, so the next push copies only a few bytes of
    // lookahead, not the statement so far (a 1 MiB INSERT would otherwise be copied per chunk).
    if (this.#mode === 'line' || this.#mode === 'block') this.#seg = this.#pos;
    else this.#take(this.#pos);
    return out;
  }

  #scanFrom(final: boolean): string[] {
    const out: string[] = [];
    const buf = this.#buf;
    const n = buf.length;
    // Lookahead of a few bytes decides `--`, `/*!`, `*/`; wait for more input unless final.
    const need = (k: number): boolean => this.#pos + k <= n || final;
    let backslash = -1;
    while (this.#pos < n) {
      const i = this.#pos;
      const c = buf[i] as number;
      switch (this.#mode) {
        case 'single':
        case 'double':
        case 'backtick': {
          if (this.#escape) {
            this.#escape = false;
            this.#pos++;
            continue;
          }
          // The body of a quoted string in bulk: to the closing quote or the next backslash.
          const close = this.#mode === 'single' ? 0x27 : this.#mode === 'double' ? 0x22 : 0x60;
          const q = buf.indexOf(close, i);
          const end = q === -1 ? n : q;
          if (this.#mode !== 'backtick') {
            // One search for backslashes serves every string until it is passed.
            if (backslash < i) {
              backslash = buf.indexOf(0x5c, i);
              if (backslash === -1) backslash = n;
            }
            if (backslash < end) {
              this.#escape = true;
              this.#pos = backslash + 1;
              continue;
            }
          }
          if (q === -1) this.#pos = n;
          else {
            this.#mode = 'code';
            this.#pos = q + 1;
          }
          continue;
        }
        case 'line': {
          const eol = buf.indexOf(0x0a, i);
          if (eol === -1) this.#pos = n;
          else {
            this.#mode = 'code';
            this.#seg = eol + 1;
            this.#pos = eol + 1;
          }
          continue;
        }
        case 'block':
          if (c === 0x2a && !need(2)) return out;
          if (c === 0x2a && buf[i + 1] === 0x2f) {
            this.#mode = 'code';
            this.#pos = i + 2;
            this.#seg = this.#pos;
            this.#parts.push(Buffer.from(' '));
          } else this.#pos++;
          continue;
        case 'code':
          break;
      }
      if (this.#blank && (c === 0x44 || c === 0x64 || c === 0x2f)) {
        // `DELIMITER xx` and mariadb-dump's sandbox line are client commands: first in a
        // statement, ended by the line end rather than by the delimiter.
        const eol = buf.indexOf(0x0a, i);
        if (eol === -1 && !final) return out;
        const line = buf.subarray(i, eol === -1 ? n : eol).toString('utf8');
        const m = /^delimiter\s+(\S+)/i.exec(line) ?? /^\/\*M!999999\\- .*\*\/\s*$/.exec(line);
        if (m) {
          if (m[1] !== undefined) {
            this.#delimiter = Buffer.from(m[1], 'utf8');
            this.#special = specialBytes(this.#delimiter);
          }
          this.#pos = eol === -1 ? n : eol + 1;
          this.#seg = this.#pos;
          this.#parts = [];
          continue;
        }
      }
      const special = this.#special;
      if (!this.#blank && special[c] === 0) {
        // Inside a statement, runs of bytes that change nothing (the values of INSERT rows)
        // are passed in a tight loop.
        let j = i + 1;
        while (j < n && special[buf[j] as number] === 0) j++;
        this.#pos = j;
        continue;
      }
      const d = this.#delimiter;
      if (c === d[0]) {
        if (!need(d.length)) return out;
        if (buf.subarray(i, i + d.length).equals(d)) {
          this.#take(i);
          const sql = Buffer.concat(this.#parts).toString(this.#encoding).trim();
          this.#parts = [];
          this.#pos = i + d.length;
          this.#seg = this.#pos;
          if (!this.#blank && sql !== '') out.push(sql);
          this.#blank = true;
          continue;
        }
      }
      if (c === 0x27 || c === 0x22 || c === 0x60) {
        this.#mode = c === 0x27 ? 'single' : c === 0x22 ? 'double' : 'backtick';
        this.#blank = false;
      } else if (c === 0x23) {
        this.#take(i);
        this.#mode = 'line';
      } else if (c === 0x2d && buf[i + 1] === 0x2d) {
        if (!need(3)) return out;
        const next = buf[i + 2];
        if (next === undefined || next <= 0x20) {
          this.#take(i);
          this.#mode = 'line';
        } else this.#blank = false;
      } else if (c === 0x2d && i + 1 >= n && !final) {
        return out;
      } else if (c === 0x2f && buf[i + 1] === 0x2a) {
        if (!need(3)) return out;
        const next = buf[i + 2];
        // `/*!` and MariaDB's `/*M!` are executable: kept and scanned as code.
        if (next === 0x21 || (next === 0x4d && buf[i + 3] === 0x21)) {
          this.#blank = false;
        } else {
          this.#take(i);
          this.#mode = 'block';
          this.#pos = i + 2;
          continue;
        }
      } else if (c === 0x2f && i + 1 >= n && !final) {
        return out;
      } else if (c > 0x20) {
        this.#blank = false;
      }
      this.#pos++;
    }
    return out;
  }

  /** Copies `#buf[#seg, end)` into the statement in progress. */
  #take(end: number): void {
    if (end > this.#seg) this.#parts.push(this.#buf.subarray(this.#seg, end));
    this.#seg = end;
  }
}
