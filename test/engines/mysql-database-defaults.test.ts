import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';
import { createDb, dropDbs, mariadb, mysqlTarget, uniqueDb } from '../support/mysql-db.js';

const signal = (): AbortSignal => new AbortController().signal;

/**
 * What a database's defaults decide, with its name left out: its character set, collation
 * and comment; the database collation each routine and trigger was created under; and what
 * those collations make of a comparison (case-sensitive under latin1_general_cs).
 */
function defaults(db: string): string {
  const show = mariadb(`SHOW CREATE DATABASE \`${db}\``, undefined, ['-N']).replaceAll(db, 'DB');
  const objects = mariadb(
    `SELECT ROUTINE_NAME, DATABASE_COLLATION FROM information_schema.ROUTINES
       WHERE ROUTINE_SCHEMA = '${db}'
     UNION ALL SELECT TRIGGER_NAME, DATABASE_COLLATION FROM information_schema.TRIGGERS
       WHERE TRIGGER_SCHEMA = '${db}' ORDER BY 1;
     SELECT \`${db}\`.same_cs('abc'), \`${db}\`.same_ci('abc');`,
    undefined,
    ['-N'],
  );
  return `${show}${objects}`;
}

describe('mysql: the database’s character set, collation and comment', () => {
  const made: string[] = [];
  let source: string;

  beforeAll(() => {
    source = uniqueDb('dbdefaults');
    made.push(source);
    mariadb(`CREATE DATABASE \`${source}\` CHARACTER SET latin1 COLLATE latin1_general_cs`);
    // same_ci is created while the database's collation is another one: it keeps that one.
    mariadb(
      `CREATE TABLE t (id int PRIMARY KEY, s varchar(20));
       INSERT INTO t VALUES (1, 'a');
       CREATE FUNCTION same_cs(a varchar(10)) RETURNS int DETERMINISTIC RETURN a = 'ABC';
       CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.s = UPPER(NEW.s);
       ALTER DATABASE COLLATE latin1_swedish_ci;
       CREATE FUNCTION same_ci(a varchar(10)) RETURNS int DETERMINISTIC RETURN a = 'ABC';
       ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_general_cs COMMENT 'it''s the db';`,
      source,
    );
  });

  afterAll(() => dropDbs(...made));

  test('a restore into a new database and through the mariadb client carries them', async () => {
    const expected = defaults(source);
    expect(expected).toContain("COMMENT 'it''s the db'");
    expect(expected).toMatch(/same_ci\tlatin1_swedish_ci\n/);
    expect(expected).toMatch(/\n0\t1\n$/);
    const { bytes } = await dumpToString(mysqlEngine, mysqlTarget(source), FULL);

    const created = uniqueDb('dbdefaults_new');
    made.push(created);
    await mysqlEngine.restore(mysqlTarget(created), chunked(bytes), { signal: signal() });
    expect(defaults(created)).toBe(expected);

    // An existing utf8mb4 database takes the backup's defaults too.
    const existing = createDb('dbdefaults_old');
    made.push(existing);
    await mysqlEngine.restore(mysqlTarget(existing), chunked(bytes), { signal: signal() });
    expect(defaults(existing)).toBe(expected);

    const viaClient = createDb('dbdefaults_cli');
    made.push(viaClient);
    mariadb(bytes, viaClient, ['--binary-mode']);
    expect(defaults(viaClient)).toBe(expected);
  });

  test('a backup or restore of some tables leaves the target database’s defaults alone', async () => {
    const whole = await dumpToString(mysqlEngine, mysqlTarget(source), FULL);
    const some = await dumpToString(mysqlEngine, mysqlTarget(source), { ...FULL, tables: ['t'] });
    expect(some.sql).not.toMatch(/ALTER DATABASE/);
    const target = createDb('dbdefaults_sel');
    made.push(target);
    const before = mariadb(`SHOW CREATE DATABASE \`${target}\``);
    for (const sql of [some.bytes, whole.bytes]) {
      await mysqlEngine.restore(mysqlTarget(target), chunked(sql), {
        tables: ['t'],
        signal: signal(),
      });
    }
    expect(mariadb(`SHOW CREATE DATABASE \`${target}\``)).toBe(before);
  });

  test('a swap that fails after the defaults were set puts the target’s back', async () => {
    // The trigger is created in the target only, after the swap: its missing table fails it.
    const sql = `ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_general_cs /*M!100500 COMMENT 'new' */;
CREATE TABLE t (id int PRIMARY KEY);
INSERT INTO t VALUES (1);
CREATE TRIGGER tr BEFORE INSERT ON missing FOR EACH ROW SET @x = 1;
`;
    const target = createDb('dbdefaults_fail');
    made.push(target);
    mariadb(`ALTER DATABASE \`${target}\` COMMENT 'old'`);
    const before = mariadb(`SHOW CREATE DATABASE \`${target}\``);
    await expect(
      mysqlEngine.restore(mysqlTarget(target), chunked(sql), { signal: signal() }),
    ).rejects.toMatchObject({ code: 'RESTORE_FAILED' });
    expect(mariadb(`SHOW CREATE DATABASE \`${target}\``)).toBe(before);
  });
});
