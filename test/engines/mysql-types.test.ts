import { afterAll, beforeAll, expect, test } from 'vitest';
import { mysqlEngine as engine } from '../../src/engines/mysql/mysql-engine.js';
import {
  checksumTables,
  createDb,
  dropDbs,
  mariadb,
  mysqlTarget,
  uniqueDb,
} from '../support/mysql-db.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

/** Every type with its edge values; zero dates need a sql_mode without NO_ZERO_DATE. */
const TYPES = `
SET sql_mode = '';
CREATE TABLE t (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED, de DECIMAL(65,30), fl FLOAT, db DOUBLE, bt BIT(13), b1 BIT(1),
  bn BINARY(4), vb VARBINARY(20), bl BLOB, tx TEXT, ch CHAR(10) CHARACTER SET latin1,
  en ENUM('a','b c','d''e'), st SET('x','y','z'), d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL,
  tm TIME(3), yr YEAR, js JSON, g GEOMETRY, pt POINT, u UUID, i6 INET6,
  gen BIGINT AS (i * 2) VIRTUAL, hid VARCHAR(10) INVISIBLE
) DEFAULT CHARSET=utf8mb4;
INSERT INTO t (id, ti, tiu, si, mi, i, iu, bi, biu, de, fl, db, bt, b1, bn, vb, bl, tx, ch, en, st, d, dt, ts, tm, yr, js, g, pt, u, i6, hid) VALUES
 (1, -128, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
  '-99999999999999999999999999999999999.999999999999999999999999999999', 3.40282e38, 1.7976931348623157e308,
  b'1010101010101', b'1', 0x00000000, '', '', '', '', 'a', '', '0000-00-00', '0000-00-00 00:00:00', '1970-01-01 00:00:01',
  '-838:59:59.000', 0, '{}', ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326), POINT(1.5, -2.25),
  '00000000-0000-0000-0000-000000000000', '::1', NULL),
 (2, 127, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0,
  '99999999999999999999999999999999999.000000000000000000000000000001', 16777217, 0.1, 0, 0, 0xff00ff00, 0x00ff0a0d5c27225a1a, 0x00,
  CONCAT('emoji 😀👍🏽 quote '' dq " bs \\\\ nul ', CHAR(0), ' nl \\n cr \\r ctrl-z ', CHAR(26), ' tab \\t'), 'Åçé', 'b c', 'x,z',
  '9999-12-31', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '838:59:59.999', 2155,
  '{"a": [1, 2.5, "x\\\\"y"], "b": null, "c": "😀"}', ST_GeomFromText('LINESTRING(0 0, 1e10 -1e-10)'),
  POINT(0, 0), 'ffffffff-ffff-ffff-ffff-ffffffffffff', '2001:db8::ff00:42:8329', 'secret'),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1.0000001, -0.0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  'd''e', 'x,y,z', '2024-02-29', '2024-02-29 12:00:00', NULL, '-00:00:00.001', 1901, NULL, NULL, NULL, NULL, NULL, NULL);
`;

const dbs: string[] = [];
let source = '';
beforeAll(() => {
  source = createDb('types');
  dbs.push(source);
  mariadb(TYPES, source);
});
afterAll(() => dropDbs(...dbs));

test('every type round-trips with its edge values (lifeboat -> lifeboat and -> mariadb client)', async () => {
  const signal = new AbortController().signal;
  const dump = await dumpToString(engine, mysqlTarget(source), FULL);
  expect(dump.sql).toMatch(/INSERT INTO `t` \(`id`, .*`hid`\) VALUES/); // invisible column listed, generated left out
  expect(dump.sql).not.toMatch(/`gen`\) VALUES/);
  const restored = uniqueDb('types_restored');
  dbs.push(restored);
  const result = await engine.restore(mysqlTarget(restored), chunked(dump.bytes, 333), { signal });
  expect(byName(result.tables)).toEqual(byName(dump.tables));
  expect(checksumTables(restored)).toEqual(checksumTables(source));
  const viaClient = createDb('types_client');
  dbs.push(viaClient);
  mariadb(dump.bytes, viaClient);
  expect(checksumTables(viaClient)).toEqual(checksumTables(source));
  const columns =
    'id, ti, tiu, si, mi, i, iu, bi, biu, de, HEX(fl), HEX(db), fl = CAST(fl AS FLOAT), HEX(bt), HEX(bn), HEX(vb), HEX(bl), HEX(tx), HEX(ch), en, st, d, dt, ts, tm, yr, js, HEX(g), HEX(pt), u, i6, gen, hid';
  const read = (db: string): string =>
    mariadb(
      `SET time_zone='+00:00'; SELECT ${columns}, CAST(fl AS DOUBLE) FROM t ORDER BY id`,
      db,
      ['-N'],
    );
  expect(read(restored)).toEqual(read(source));
  expect(read(viaClient)).toEqual(read(source));
});
