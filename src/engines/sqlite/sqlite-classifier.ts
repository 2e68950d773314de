import { classifyStatement, type StatementKind } from './sqlite-statement.js';

/**
 * Classifies statements, remembering the last data statement's kind by its bytes up to the
 * first `(`: a dump repeats `INSERT INTO "t"(cols) VALUES(` hundreds of thousands of times,
 * and tokenizing each one costs more than the check. The prefix is only trusted when it is a
 * complete run of tokens — no string, comment or bracket/backtick quote, balanced `"` — so
 * equal prefixes give equal tokens before the `(`, which is all the classification of an
 * INSERT/REPLACE/UPDATE/DELETE reads.
 */
export class StatementClassifier {
  #prefix: Buffer | null = null;
  #kind: StatementKind | null = null;

  /** The kind of `bytes`, decoded lazily with `decode` when it is not the remembered one. */
  classify(bytes: Buffer, decode: () => string): StatementKind {
    const open = bytes.indexOf(0x28);
    const prefix = this.#prefix;
    if (
      prefix !== null &&
      open === prefix.length &&
      prefix.compare(bytes, 0, open) === 0 &&
      this.#kind !== null
    )
      return this.#kind;
    const kind = classifyStatement(decode());
    if (kind.kind === 'data' && open > 0 && isTokenRun(bytes, open)) {
      this.#prefix = Buffer.from(bytes.subarray(0, open));
      this.#kind = kind;
    }
    return kind;
  }
}

/** True when `bytes[0, end)` holds no string, comment or `[`/`` ` `` quote and balanced `"`. */
function isTokenRun(bytes: Buffer, end: number): boolean {
  let quotes = 0;
  for (let i = 0; i < end; i++) {
    const b = bytes[i];
    if (b === 0x27 || b === 0x60 || b === 0x5b || b === 0x2d || b === 0x2f) return false;
    if (b === 0x22) quotes++;
  }
  return quotes % 2 === 0;
}
