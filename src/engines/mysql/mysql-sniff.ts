/** First line of every lifeboat MySQL dump; `sniffMysqlDump` looks for it. */
export const DUMP_MARK = '-- lifeboat mysql dump';

/** True for lifeboat's own dumps and for mysqldump's / mariadb-dump's. */
export function sniffMysqlDump(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  const lines = text.split('\n', 3).map((l) => l.trim());
  if (lines[0]?.startsWith('/*M!999999')) lines.shift(); // mariadb-dump's sandbox-mode line
  const first = lines[0] ?? '';
  return first.startsWith(DUMP_MARK) || /^-- (MySQL|MariaDB) dump \d/.test(first);
}
