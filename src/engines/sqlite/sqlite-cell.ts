/** A TEXT value as its stored bytes: text that a JavaScript string may not carry exactly. */
export class TextBytes {
  constructor(readonly bytes: Buffer) {}
}

/**
 * One stored value as the row reader (sqlite-rows.ts) yields it: INTEGER as bigint, REAL as
 * number, BLOB as Buffer, NULL as null, TEXT as a string (exactly its stored bytes, decoded
 * from UTF-8) or as {@link TextBytes}.
 */
export type CellValue = null | bigint | number | string | Buffer | TextBytes;
