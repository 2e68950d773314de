/** First line of every lifeboat PostgreSQL dump; `sniff` looks for it. */
export const DUMP_MARK = '-- lifeboat postgres dump';

/** True when the first bytes of a dump are lifeboat's or pg_dump's plain SQL. */
export function sniffPostgresDump(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  return (
    text.startsWith(DUMP_MARK) ||
    /^--\s*\n--\s*PostgreSQL database (dump|cluster dump)\b/.test(text) ||
    text.startsWith('-- PostgreSQL database dump')
  );
}
