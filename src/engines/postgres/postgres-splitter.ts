/** What the splitter found in the dump text. */
export type SplitEvent =
  | { readonly kind: 'statement'; readonly sql: string; readonly line: number }
  | { readonly kind: 'meta'; readonly text: string; readonly line: number }
  | { readonly kind: 'copy-data'; readonly data: Buffer }
  | { readonly kind: 'copy-end'; readonly line: number };

const enum S {
  Normal,
  Quote,
  EQuote,
  Ident,
  Dollar,
  LineComment,
  BlockComment,
}

const NL = 10;
const isWordStart = (b: number): boolean =>
  (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 95 || b >= 128;
const isWord = (b: number): boolean => isWordStart(b) || (b >= 48 && b <= 57) || b === 36;
const isSpace = (b: number): boolean => b === 32 || b === 9 || b === 10 || b === 13 || b === 12;

/** A COPY statement whose rows follow in the dump. */
export const COPY_FROM_STDIN = /^COPY\b[\s\S]*\bFROM\s+stdin\b/i;
/** A `COPY … FROM stdin` without options of its own: its rows are in COPY's text format. */
export const PLAIN_COPY_FROM_STDIN = /^COPY\b[\s\S]*\sFROM\s+stdin\s*;?\s*$/i;

/**
 * Splits a PostgreSQL SQL script as psql reads it, incrementally over byte chunks: statements
 * end at `;` outside quotes ('', E'' with backslash escapes, "", $tag$ dollar quotes), comments
 * (--, nested /* *\/) and BEGIN ATOMIC function bodies; a line starting with `\` is a psql
 * meta-command; after `COPY … FROM stdin;` the rows are passed through as raw bytes up to the
 * `\.` line, never held in memory as a whole. Only ASCII bytes have meaning, so scanning UTF-8
 * bytes is safe.
 */
export class PgSplitter {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;
  #state = S.Normal;
  #tag = '';
  #depth = 0; // block comment nesting
  #significant = false; // anything but blanks and comments seen in this statement
  #words: string[] = [];
  #begin = 0; // BEGIN ATOMIC / CASE nesting inside CREATE FUNCTION
  #copy = false;
  #lineStart = true;
  #line = 1; // line of #buf[0]
  #stmtLine = 1;
  #skipToNewline = false;

  /** Feeds a chunk; returns what became complete. */
  push(chunk: Buffer): SplitEvent[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    return this.#run(false);
  }

  /** Ends the input; returns the last events and the unterminated rest (null if none). */
  end(): { events: SplitEvent[]; rest: string | null; inCopy: boolean } {
    const events = this.#run(true);
    const rest = this.#significant ? this.#buf.toString('utf8').trim() : null;
    return { events, rest: rest === '' ? null : rest, inCopy: this.#copy };
  }

  #run(final: boolean): SplitEvent[] {
    const events: SplitEvent[] = [];
    for (;;) {
      const progressed = this.#copy ? this.#scanCopy(events, final) : this.#scanSql(events, final);
      if (!progressed) break;
    }
    return events;
  }

  /** Drops `n` consumed bytes from the buffer, counting their lines. */
  #consume(n: number): Buffer {
    const taken = this.#buf.subarray(0, n);
    let at = taken.indexOf(NL);
    while (at >= 0) {
      this.#line++;
      at = taken.indexOf(NL, at + 1);
    }
    this.#buf = this.#buf.subarray(n);
    this.#pos = 0;
    return taken;
  }

  #scanCopy(events: SplitEvent[], final: boolean): boolean {
    if (this.#skipToNewline) {
      const nl = this.#buf.indexOf(NL);
      if (nl < 0 && !final) return false;
      this.#consume(nl < 0 ? this.#buf.length : nl + 1);
      this.#skipToNewline = false;
      this.#lineStart = true;
    }
    const buf = this.#buf;
    let pos = 0;
    let endAt = -1;
    let markerLen = 0;
    while (pos < buf.length) {
      if (this.#lineStart && buf[pos] === 92) {
        if (pos + 1 >= buf.length) {
          if (!final) break;
        } else if (buf[pos + 1] === 46) {
          const third = buf[pos + 2];
          if (third === undefined && !final) break;
          if (third === undefined || third === NL) {
            endAt = pos;
            markerLen = third === undefined ? 2 : 3;
            break;
          }
          if (third === 13) {
            if (pos + 3 >= buf.length && !final) break;
            if (buf[pos + 3] === NL || pos + 3 >= buf.length) {
              endAt = pos;
              markerLen = Math.min(4, buf.length - pos);
              break;
            }
          }
        }
      }
      const nl = buf.indexOf(NL, pos);
      if (nl < 0) {
        pos = buf.length;
        this.#lineStart = false;
      } else {
        pos = nl + 1;
        this.#lineStart = true;
      }
    }
    const dataEnd = endAt >= 0 ? endAt : pos;
    if (dataEnd > 0) events.push({ kind: 'copy-data', data: Buffer.from(this.#consume(dataEnd)) });
    if (endAt < 0) return false;
    const line = this.#line;
    this.#consume(markerLen);
    this.#copy = false;
    this.#lineStart = true;
    this.#resetStatement();
    events.push({ kind: 'copy-end', line });
    return true;
  }

  #resetStatement(): void {
    this.#state = S.Normal;
    this.#significant = false;
    this.#words = [];
    this.#begin = 0;
    this.#stmtLine = this.#line;
  }

  /** Scans SQL from #pos; returns true after emitting an event (call again). */
  #scanSql(events: SplitEvent[], final: boolean): boolean {
    const buf = this.#buf;
    let i = this.#pos;
    const more = (n: number): boolean => i + n < buf.length || final;
    while (i < buf.length) {
      const b = buf[i] as number;
      switch (this.#state) {
        case S.Normal: {
          if (!this.#significant) {
            if (isSpace(b)) {
              i++;
              continue;
            }
            if (b === 92) {
              // A psql meta-command runs to the end of its line.
              const nl = buf.indexOf(NL, i);
              if (nl < 0 && !final) return this.#wait(i);
              const endAt = nl < 0 ? buf.length : nl + 1;
              this.#consume(i);
              const line = this.#line;
              const text = this.#consume(endAt - i)
                .toString('utf8')
                .trim();
              this.#resetStatement();
              events.push({ kind: 'meta', text, line });
              return true;
            }
          }
          if (b === 45 && buf[i + 1] === 45) {
            this.#state = S.LineComment;
            i += 2;
            continue;
          }
          if (b === 47 && buf[i + 1] === 42) {
            this.#state = S.BlockComment;
            this.#depth = 1;
            i += 2;
            continue;
          }
          if ((b === 45 || b === 47) && !more(1)) return this.#wait(i);
          if (!this.#significant) {
            this.#significant = true;
            this.#consume(i); // leading blanks and comments are not part of the statement
            this.#stmtLine = this.#line;
            return this.#again(0);
          }
          if (b === 39) {
            const prev = buf[i - 1] ?? 0;
            const e = (prev === 69 || prev === 101) && !isWord(buf[i - 2] ?? 0);
            this.#state = e ? S.EQuote : S.Quote;
          } else if (b === 34) this.#state = S.Ident;
          else if (b === 36 && !isWord(buf[i - 1] ?? 0)) {
            const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(
              buf.subarray(i, i + 64).toString('latin1'),
            );
            if (
              m === null &&
              !final &&
              i + 64 > buf.length &&
              /^\$[A-Za-z0-9_\u0080-\uffff]*$/.test(buf.subarray(i).toString('latin1'))
            )
              return this.#wait(i);
            if (m !== null) {
              this.#tag = m[0];
              this.#state = S.Dollar;
              i += m[0].length;
              continue;
            }
          } else if (isWordStart(b) && !isWord(buf[i - 1] ?? 0)) {
            let j = i + 1;
            while (j < buf.length && isWord(buf[j] as number)) j++;
            if (j === buf.length && !final) return this.#wait(i);
            this.#word(buf.subarray(i, j).toString('latin1').toLowerCase());
            i = j;
            continue;
          } else if (b === 59 && this.#begin === 0) {
            const stmt = this.#consume(i + 1).toString('utf8');
            const line = this.#stmtLine;
            this.#resetStatement();
            this.#lineStart = false;
            if (COPY_FROM_STDIN.test(stmt)) {
              // The rows start on the next line; the rest of this one is skipped.
              this.#copy = true;
              this.#skipToNewline = true;
            }
            events.push({ kind: 'statement', sql: stmt, line });
            return true;
          }
          i++;
          continue;
        }
        case S.Quote:
          if (b === 39) this.#state = S.Normal;
          i++;
          continue;
        case S.EQuote:
          if (b === 92) i += 2;
          else {
            if (b === 39) this.#state = S.Normal;
            i++;
          }
          continue;
        case S.Ident:
          if (b === 34) this.#state = S.Normal;
          i++;
          continue;
        case S.Dollar: {
          const at = buf.indexOf(this.#tag, i, 'latin1');
          if (at < 0) {
            i = Math.max(i, buf.length - this.#tag.length + 1);
            return this.#wait(i);
          }
          this.#state = S.Normal;
          i = at + this.#tag.length;
          continue;
        }
        case S.LineComment:
          if (b === NL) this.#state = S.Normal;
          i++;
          continue;
        case S.BlockComment:
          if (b === 42 && buf[i + 1] === 47) {
            this.#depth--;
            i += 2;
            if (this.#depth === 0) this.#state = S.Normal;
          } else if (b === 47 && buf[i + 1] === 42) {
            this.#depth++;
            i += 2;
          } else if ((b === 42 || b === 47) && !more(1)) return this.#wait(i);
          else i++;
          continue;
      }
    }
    return this.#wait(i);
  }

  #again(pos: number): boolean {
    this.#pos = pos;
    return true;
  }

  #wait(pos: number): boolean {
    this.#pos = pos;
    return false;
  }

  /** psql's rule: inside CREATE [OR REPLACE] FUNCTION/PROCEDURE, BEGIN/CASE … END nest. */
  #word(w: string): void {
    const words = this.#words;
    if (words.length < 4) words.push(w);
    const routine =
      words[0] === 'create' &&
      (words[1] === 'function' ||
        words[1] === 'procedure' ||
        (words[1] === 'or' &&
          words[2] === 'replace' &&
          (words[3] === 'function' || words[3] === 'procedure')));
    if (!routine) return;
    if (w === 'begin' || w === 'case') this.#begin++;
    else if (w === 'end' && this.#begin > 0) this.#begin--;
  }
}
