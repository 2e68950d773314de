import { describe, expect, test } from 'vitest';
import { MysqlSplitter } from '../../src/engines/mysql/mysql-splitter.js';

function split(sql: string, size: number): { statements: string[]; rest: string | null } {
  const splitter = new MysqlSplitter();
  const statements: string[] = [];
  const bytes = Buffer.from(sql, 'utf8');
  for (let i = 0; i < bytes.length; i += size)
    statements.push(...splitter.push(bytes.subarray(i, i + size)));
  const end = splitter.end();
  return { statements: [...statements, ...end.statements], rest: end.rest };
}

const DUMP = [
  '/*M!999999\\- enable the sandbox mode */ ',
  '-- MariaDB dump 10.19',
  '/*!40101 SET NAMES utf8mb4 */;',
  'INSERT INTO t VALUES (\'a;b\\\';c\', "x;\\"", `we;ird``x`) # c;',
  ';',
  '-- x',
  'DELIMITER ;;',
  'CREATE PROCEDURE p() BEGIN SELECT 1; /* ; */ SELECT 2; END ;;',
  'delimiter ;',
  'SELECT 1 -- done',
  ';/* only a comment */;',
  "SELECT 'é😀', 1--1",
].join('\n');

describe('mysql splitter', () => {
  test.each([1, 2, 3, 7, 64, 100_000])(
    'splits like the mariadb client in chunks of %i bytes',
    (size) => {
      const { statements, rest } = split(DUMP, size);
      expect(statements).toEqual([
        '/*!40101 SET NAMES utf8mb4 */',
        'INSERT INTO t VALUES (\'a;b\\\';c\', "x;\\"", `we;ird``x`)',
        'CREATE PROCEDURE p() BEGIN SELECT 1;   SELECT 2; END',
        'SELECT 1',
      ]);
      expect(rest).toBe("SELECT 'é😀', 1--1");
    },
  );

  test('a dump ending in whitespace or comments leaves nothing', () => {
    expect(split('SELECT 1;\n-- end\n', 4)).toEqual({ statements: ['SELECT 1'], rest: null });
  });

  test.each([1, 5, 13, 4096])(
    'skips string bodies and row values in bulk, whatever the chunk size (%i)',
    (size) => {
      const row = `(1,'x\\\\y\\'z;"',"a\\"b;'",0x00ff,NULL,-1.5e10)`;
      const sql = [
        `INSERT INTO t VALUES ${Array.from({ length: 50 }, () => row).join(',')};`,
        'DELIMITER $$',
        "CREATE PROCEDURE p() BEGIN SELECT '$$;'; SELECT 1; END $$",
        'DELIMITER ;',
        'SELECT `a$$b`;',
      ].join('\n');
      const { statements, rest } = split(sql, size);
      expect(statements).toEqual([
        `INSERT INTO t VALUES ${Array.from({ length: 50 }, () => row).join(',')}`,
        "CREATE PROCEDURE p() BEGIN SELECT '$$;'; SELECT 1; END",
        'SELECT `a$$b`',
      ]);
      expect(rest).toBeNull();
    },
  );
});
