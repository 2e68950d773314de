/** What COPY needs to know of a table. */
export interface CopyShape {
  readonly qname: string;
  readonly columns: readonly { readonly name: string; readonly generated: string | null }[];
  /**
   * An extension's configuration table: the clause `pg_extension_config_dump()` recorded
   * (`WHERE …`, empty for all rows). Its rows outside the clause are the extension's own, which
   * CREATE EXTENSION writes again, so only the rest are dumped and measured.
   */
  readonly condition?: string | null;
}

/** The columns of relation `c` as `[{ name (quoted), generated }]`, in order (for CopyShape). */
export const COLUMNS_JSON = (c: string): string =>
  `COALESCE((SELECT json_agg(json_build_object('name', quote_ident(a.attname), 'generated', a.attgenerated)
     ORDER BY a.attnum) FROM pg_attribute a
     WHERE a.attrelid = ${c}.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]')`;

/** The columns COPY reads and writes: all but generated ones, which the server recomputes. */
export function copyColumns(t: CopyShape): string[] {
  return t.columns.filter((c) => c.generated === '' || c.generated === null).map((c) => c.name);
}

/** `schema.table (cols)` for COPY; a table without columns has no column list. */
export function copyTarget(t: CopyShape): string {
  const cols = copyColumns(t);
  return cols.length === 0 ? t.qname : `${t.qname} (${cols.join(', ')})`;
}

/**
 * `COPY … TO STDOUT` of the rows a dump holds. A configuration table with a condition is read
 * as pg_dump reads it, `COPY (SELECT cols FROM table condition)`, but with ONLY: an inheritance
 * child's rows are dumped as its own table's.
 */
export function copyOutSql(t: CopyShape): string {
  const condition = t.condition ?? '';
  if (condition === '') return `COPY ${copyTarget(t)} TO STDOUT`;
  return `COPY (SELECT ${copyColumns(t).join(', ')} FROM ONLY ${t.qname} ${condition}) TO STDOUT`;
}
