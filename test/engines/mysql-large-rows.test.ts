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

/**
 * Rows near the server's max_allowed_packet. A BLOB of 55% of it is what an application can
 * store under the server's own settings; written as hex it would need 110%. The limit is read
 * from the server, never changed: other test files share it.
 */
const dbs: string[] = [];
let source = '';
let limit = 0;
let blob = 0;

beforeAll(() => {
  limit = Number(mariadb('SELECT @@global.max_allowed_packet', undefined, ['-N']).trim());
  blob = Math.floor((limit * 0.55) / 64) * 64;
  source = createDb('large');
  dbs.push(source);
  // 64 distinct bytes per SHA-512, so the blob holds every byte value, escaped ones included.
  mariadb(
    `SET SESSION group_concat_max_len = ${limit};
     CREATE TABLE files (id INT PRIMARY KEY, name VARCHAR(20), body LONGBLOB);
     INSERT INTO files (id, name, body) VALUES (1, 'small', 0x00ff27), (2, 'none', NULL);
     INSERT INTO files (id, name, body)
       SELECT 3, 'big', GROUP_CONCAT(UNHEX(SHA2(seq, 512)) ORDER BY seq SEPARATOR '')
         FROM seq_1_to_${blob / 64};
     INSERT INTO files (id, name, body) VALUES (4, 'after', 0x01);`,
    source,
  );
}, 120_000);
afterAll(() => dropDbs(...dbs));

const signal = new AbortController().signal;

test('a BLOB of half the max_allowed_packet restores, with lifeboat and with the mariadb client', async () => {
  const dump = await dumpToString(engine, mysqlTarget(source), FULL);
  // Alone in its statement, as a _binary string of about its own size (hex would be twice).
  const statement = dump.bytes
    .toString('latin1')
    .split(';\n')
    .find((s) => s.includes("'big'"));
  expect(statement).toMatch(/^INSERT INTO `files` \([^)]*\) VALUES \(3,'big',_binary'/);
  expect(statement?.length).toBeLessThan(limit);
  expect(statement?.length).toBeGreaterThan(blob);

  const restored = uniqueDb('large_restored');
  dbs.push(restored);
  const result = await engine.restore(mysqlTarget(restored), chunked(dump.bytes, 1 << 20), {
    signal,
  });
  expect(byName(result.tables)).toEqual(byName(dump.tables));
  expect(checksumTables(restored)).toEqual(checksumTables(source));

  const viaClient = createDb('large_client');
  dbs.push(viaClient);
  mariadb(dump.bytes, viaClient);
  expect(checksumTables(viaClient)).toEqual(checksumTables(source));
}, 120_000);

test('a row larger than the max_allowed_packet fails the restore with how to raise it, target untouched', async () => {
  const wide = createDb('large_wide');
  dbs.push(wide);
  mariadb(
    `CREATE TABLE wide (id INT PRIMARY KEY, a LONGBLOB, b LONGBLOB);
     INSERT INTO wide VALUES (1, REPEAT('a', ${blob}), NULL);
     UPDATE wide SET b = a;`,
    wide,
  );
  const dump = await dumpToString(engine, mysqlTarget(wide), FULL);
  const target = createDb('large_target');
  dbs.push(target);
  mariadb('CREATE TABLE keep (id INT PRIMARY KEY); INSERT INTO keep VALUES (7);', target);
  const failure = await engine
    .restore(mysqlTarget(target), chunked(dump.bytes, 1 << 20), { signal })
    .then(
      () => undefined,
      (err: unknown) => err as { code?: string; message?: string; hint?: string },
    );
  expect(failure?.code).toBe('RESTORE_FAILED');
  expect(failure?.message).toMatch(
    /^restore failed at statement \d+: it is [\d.]+ MiB, more than the max_allowed_packet of "mysql:\/\/[^"]+" \([\d.]+ MiB\)$/,
  );
  expect(failure?.hint).toMatch(/SET GLOBAL max_allowed_packet = \d+/);
  expect(mariadb('SELECT id FROM keep', target, ['-N']).trim()).toBe('7');
  expect(mariadb('SHOW TABLES', target, ['-N']).trim()).toBe('keep');
}, 120_000);
