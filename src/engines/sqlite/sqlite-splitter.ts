/**
 * Splits a stream of SQL bytes into complete statements, the way `sqlite3_complete()` decides
 * that a statement is finished: a `;` outside strings, quoted identifiers (`"…"`, `[…]`,
 * `` `…` ``) and comments — except inside `CREATE [TEMP] TRIGGER … BEGIN … END;`, whose body
 * holds semicolons of its own. It works on bytes, not decoded text, because a dump may carry
 * string literals that are not valid UTF-8 and must reach SQLite unchanged; every byte that
 * matters to the grammar is ASCII, and UTF-8 continuation bytes never look like one.
 */

// Token classes and state table of sqlite3_complete() (src/complete.c).
const SEMI = 0;
const WS = 1;
const OTHER = 2;
const EXPLAIN = 3;
const CREATE = 4;
const TEMP = 5;
const TRIGGER = 6;
const END = 7;
const TRANS: readonly (readonly number[])[] = [
  /* 0 INVALID */ [1, 0, 2, 3, 4, 2, 2, 2],
  /* 1   START */ [1, 1, 2, 3, 4, 2, 2, 2],
  /* 2  NORMAL */ [1, 2, 2, 2, 2, 2, 2, 2],
  /* 3 EXPLAIN */ [1, 3, 3, 2, 4, 2, 2, 2],
  /* 4  CREATE */ [1, 4, 2, 2, 2, 4, 5, 2],
  /* 5 TRIGGER */ [6, 5, 5, 5, 5, 5, 5, 5],
  /* 6    SEMI */ [6, 6, 5, 5, 5, 5, 5, 7],
  /* 7     END */ [1, 7, 5, 5, 5, 5, 5, 5],
];
const KEYWORDS = new Map([
  ['explain', EXPLAIN],
  ['create', CREATE],
  ['temp', TEMP],
  ['temporary', TEMP],
  ['trigger', TRIGGER],
  ['end', END],
]);

// What the lexer is inside of, carried across chunk boundaries.
const CODE = 0;
const QUOTED = 1; // ' " ` or [ … ], closing byte in #close
const LINE_COMMENT = 2;
const BLOCK_COMMENT = 3;
const WORD = 4;

/**
 * Bytes that can change anything once a statement is past its first keywords (state NORMAL):
 * `;`, the four quote openers and the first bytes of `--` and `/*`. Every other byte keeps
 * the state as it is, so the scanner skips runs of them in a tight loop.
 */
const SPECIAL = new Uint8Array(256);
for (const c of ';\'"`[-/') SPECIAL[c.charCodeAt(0)] = 1;

function isIdByte(b: number): boolean {
  return (
    b >= 0x80 ||
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x5f ||
    b === 0x24
  );
}

/** A byte-level, resumable statement splitter; see the file comment. */
export class SqlSplitter {
  #state = 0; // sqlite3_complete state
  #lex = CODE;
  #close = 0;
  #word = ''; // first bytes of the current word, lower-cased (keywords are short)
  #wordLength = 0;
  #pendingDash = false; // the previous code byte was '-' (maybe "--")
  #pendingSlash = false; // the previous code byte was '/' (maybe "/*")
  #pendingStar = false; // inside a block comment, the previous byte was '*'
  #parts: Buffer[] = []; // bytes of the statement in progress
  #nonBlank = false; // the statement in progress has a token other than whitespace/comments

  /** Bytes of the statement in progress, for error messages and memory accounting. */
  get pendingBytes(): number {
    return this.#parts.reduce((n, p) => n + p.length, 0);
  }

  /** Feeds a chunk; returns the statements it completed (each ending with its `;`). */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      // Fast paths for the bulk of a dump, the inside of string literals and of INSERT rows.
      if (this.#lex === QUOTED) {
        const k = chunk.indexOf(this.#close, i);
        if (k === -1) break;
        i = k; // the closing quote itself takes the slow path below
      } else if (
        this.#lex === CODE &&
        this.#state === 2 &&
        !this.#pendingDash &&
        !this.#pendingSlash
      ) {
        while (i < n && SPECIAL[chunk[i] as number] === 0) i++;
        if (i === n) break;
      }
      const b = chunk[i] as number;
      if (this.#lex === WORD) {
        if (isIdByte(b)) {
          if (this.#wordLength++ < 10) this.#word += String.fromCharCode(b | 0x20);
          continue;
        }
        this.#lex = CODE;
        this.#token(KEYWORDS.get(this.#wordLength <= 10 ? this.#word : '') ?? OTHER);
      }
      if (this.#lex === QUOTED) {
        if (b === this.#close) this.#lex = CODE; // a doubled quote simply reopens: same result
        continue;
      }
      if (this.#lex === LINE_COMMENT) {
        if (b === 0x0a) this.#lex = CODE;
        continue;
      }
      if (this.#lex === BLOCK_COMMENT) {
        if (this.#pendingStar && b === 0x2f) this.#lex = CODE;
        this.#pendingStar = b === 0x2a;
        continue;
      }
      // CODE
      if (this.#pendingDash) {
        this.#pendingDash = false;
        if (b === 0x2d) {
          this.#lex = LINE_COMMENT;
          continue;
        }
        this.#token(OTHER);
      } else if (this.#pendingSlash) {
        this.#pendingSlash = false;
        if (b === 0x2a) {
          this.#lex = BLOCK_COMMENT;
          this.#pendingStar = false;
          continue;
        }
        this.#token(OTHER);
      }
      if (b === 0x3b) {
        this.#token(SEMI);
        if (this.#state === 1) {
          this.#parts.push(chunk.subarray(start, i + 1));
          start = i + 1;
          // One part is a view of `chunk`: no copy needed.
          if (this.#nonBlank)
            done.push(
              this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts),
            );
          this.#parts = [];
          this.#nonBlank = false;
        }
      } else if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c) {
        this.#token(WS);
      } else if (b === 0x27 || b === 0x22 || b === 0x60 || b === 0x5b) {
        this.#token(OTHER);
        this.#lex = QUOTED;
        this.#close = b === 0x5b ? 0x5d : b;
      } else if (b === 0x2d) {
        this.#pendingDash = true;
      } else if (b === 0x2f) {
        this.#pendingSlash = true;
      } else if (isIdByte(b)) {
        this.#lex = WORD;
        this.#word = String.fromCharCode(b | 0x20);
        this.#wordLength = 1;
      } else {
        this.#token(OTHER);
      }
    }
    if (start < chunk.length) this.#parts.push(chunk.subarray(start));
    return done;
  }

  /**
   * Ends the input. Returns the text after the last complete statement when it holds anything
   * but whitespace and comments — an unfinished statement, i.e. a truncated dump — else null.
   */
  end(): Buffer | null {
    if (this.#lex === WORD) {
      this.#lex = CODE;
      this.#token(OTHER);
    }
    if (this.#pendingDash || this.#pendingSlash) this.#token(OTHER);
    const rest = this.#nonBlank || this.#lex === QUOTED ? Buffer.concat(this.#parts) : null;
    this.#parts = [];
    return rest;
  }

  #token(token: number): void {
    if (token !== WS && token !== SEMI) this.#nonBlank = true;
    this.#state = TRANS[this.#state]?.[token] ?? 2;
  }
}
