/** First line of every lifeboat SQLite dump; `sniffSqliteDump` looks for it. */
export const DUMP_MARK = '-- lifeboat sqlite dump';

/** True when the first bytes of a dump are lifeboat's or `sqlite3 .dump`'s SQL. */
export function sniffSqliteDump(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  return (
    text.startsWith(DUMP_MARK) ||
    /^PRAGMA foreign_keys\s*=\s*OFF;/i.test(text) ||
    /^BEGIN TRANSACTION;/i.test(text)
  );
}
