/** What COPY needs to know of a table. */
export interface CopyShape {
  readonly qname: string;
  readonly columns: readonly { readonly name: string; readonly generated: string | null }[];
}

/** The columns COPY reads and writes: all but generated ones, which the server recomputes. */
export function copyColumns(t: CopyShape): string[] {
  return t.columns.filter((c) => c.generated === '' || c.generated === null).map((c) => c.name);
}

/** `schema.table (cols)` for COPY; a table without columns has no column list. */
export function copyTarget(t: CopyShape): string {
  const cols = copyColumns(t);
  return cols.length === 0 ? t.qname : `${t.qname} (${cols.join(', ')})`;
}
