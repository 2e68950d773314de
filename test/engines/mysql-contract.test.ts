import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ConnectionTarget, ScratchDatabase, TableSummary } from '../../src/engines/engine.js';
import { mysqlEngine as engine } from '../../src/engines/mysql/mysql-engine.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { createDb, dropDbs, mariadb, mysqlTarget, uniqueDb } from '../support/mysql-db.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

/**
 * The shared engine contract (test/contract/engine.contract.ts), restated for MySQL: the
 * shared suite assumes one row per INSERT line and that "-- MySQL dump" is not its own
 * format, which are SQLite's traits. Same cases, same fixture shape, same expectations.
 */
const FIXTURE = `
CREATE TABLE customers(id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) UNIQUE, balance DOUBLE, avatar VARBINARY(16));
CREATE TABLE orders(id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total_cents BIGINT, note TEXT,
  FOREIGN KEY (customer_id) REFERENCES customers(id));
CREATE TABLE notes(body TEXT);
INSERT INTO customers SELECT seq, CONCAT('customer ', seq), CONCAT('c', seq, '@example.com'), seq * 1.25, RANDOM_BYTES(8) FROM seq_1_to_40;
INSERT INTO orders(customer_id, total_cents, note) SELECT 1 + seq % 40, seq * 199, IF(seq % 7 = 0, NULL, CONCAT('o''rder ', seq)) FROM seq_1_to_300;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total_cents > 10000;
`;

const signal = (): AbortSignal => new AbortController().signal;
const restore = (target: ConnectionTarget, sql: string, tables?: readonly string[]) =>
  engine.restore(target, chunked(sql, 1000), { signal: signal(), ...(tables ? { tables } : {}) });
const summaries = (t: ConnectionTarget): Promise<readonly TableSummary[]> =>
  engine.summarize(t, undefined, { signal: signal() });

/** A statement the server rejects, just before the last INSERT of the dump. */
function corruptLate(sql: string): string {
  const at = sql.lastIndexOf('INSERT INTO');
  expect(at).toBeGreaterThan(0);
  return `${sql.slice(0, at)}INSERT INTO no_such_table_lifeboat VALUES(1);\n${sql.slice(at)}`;
}

describe('engine contract: mysql', () => {
  const dbs: string[] = [];
  const scratches: ScratchDatabase[] = [];
  let source: ConnectionTarget;
  let full: Awaited<ReturnType<typeof dumpToString>>;
  const scratch = async (): Promise<ConnectionTarget> => {
    const s = await engine.createScratch(source, { signal: signal() });
    scratches.push(s);
    return s.target;
  };

  beforeAll(async () => {
    const db = createDb('contract');
    dbs.push(db);
    mariadb(FIXTURE, db);
    source = mysqlTarget(db);
    full = await dumpToString(engine, source, FULL);
  });
  afterAll(async () => {
    for (const s of scratches) await s.drop();
    dropDbs(...dbs);
  });

  test('a full dump lists the fixture tables with rows and checksums', () => {
    const tables = byName(full.tables);
    expect(Object.keys(tables).sort()).toEqual(['customers', 'notes', 'orders']);
    expect(tables.customers?.rows).toBe(40);
    expect(tables.orders?.rows).toBe(300);
    expect(tables.notes?.rows).toBe(0);
    for (const t of full.tables) expect(t.checksum).toMatch(/^lifeboat-mysql-v1:[0-9a-f]{32}$/);
    expect(engine.sniff(full.sql.slice(0, 200))).toBe(true);
    expect(engine.sniff('-- MySQL dump 10.13  Distrib 8.0\n')).toBe(true);
    expect(engine.sniff('/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n')).toBe(
      true,
    );
    expect(engine.sniff('-- lifeboat sqlite dump v1\n')).toBe(false);
    expect(engine.sniff('--\n-- PostgreSQL database dump\n')).toBe(false);
  });

  test('dump -> restore into a scratch gives equal summaries and row counts', async () => {
    const target = await scratch();
    const result = await restore(target, full.sql);
    expect(byName(result.tables)).toEqual(byName(full.tables));
    expect(byName(await summaries(target))).toEqual(byName(full.tables));
    expect(byName(await summaries(source))).toEqual(byName(full.tables));
    const described = await engine.describe(target, { signal: signal() });
    const original = await engine.describe(source, { signal: signal() });
    expect(described?.tables).toEqual(original?.tables);
  });

  test('restoring twice replaces rather than duplicates', async () => {
    const target = await scratch();
    await restore(target, full.sql);
    await restore(target, full.sql);
    expect(byName(await summaries(target))).toEqual(byName(full.tables));
  });

  test('a restore failing late leaves the target exactly as it was', async () => {
    const target = await scratch();
    await restore(target, full.sql);
    const before = await summaries(target);
    const error = await restore(target, corruptLate(full.sql)).catch((e: unknown) => e);
    expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/^restore failed at statement \d+: /);
    expect(await summaries(target)).toEqual(before);
  });

  test('beforeCommit throwing rolls the restore back', async () => {
    const target = await scratch();
    const schemaOnly = await dumpToString(engine, source, { schema: true, data: false });
    await restore(target, schemaOnly.sql);
    const before = await summaries(target);
    let seen: readonly TableSummary[] = [];
    const refusal = new Error('checksums differ');
    const error = await engine
      .restore(target, chunked(full.sql), {
        signal: signal(),
        beforeCommit: (restored) => {
          seen = restored;
          throw refusal;
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBe(refusal);
    expect(byName(seen)).toEqual(byName(full.tables));
    expect(await summaries(target)).toEqual(before);
  });

  test('an abort during the restore leaves the target as it was', async () => {
    const target = await scratch();
    await restore(target, full.sql);
    const before = await summaries(target);
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      let n = 0;
      for await (const chunk of chunked(full.sql, 500)) {
        if (++n === 5) controller.abort(new Error('stop'));
        yield chunk;
      }
    }
    const error = await engine
      .restore(target, slow(), { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(isLifeboatError(error, 'ABORTED')).toBe(true);
    expect(await summaries(target)).toEqual(before);
  });

  test('schema-only and data-only dumps restore the schema, then the rows', async () => {
    const schemaOnly = await dumpToString(engine, source, { schema: true, data: false });
    const dataOnly = await dumpToString(engine, source, { schema: false, data: true });
    expect(schemaOnly.tables.every((t) => t.rows === 0)).toBe(true);
    expect(byName(dataOnly.tables)).toEqual(byName(full.tables));
    const target = await scratch();
    await restore(target, schemaOnly.sql);
    const empty = await engine.describe(target, { signal: signal() });
    expect(empty?.tables.map((t) => t.rows)).toEqual([0, 0, 0]);
    await restore(target, dataOnly.sql);
    expect(byName(await summaries(target))).toEqual(byName(full.tables));
    await restore(target, dataOnly.sql); // data-only replaces rows too
    expect(byName(await summaries(target))).toEqual(byName(full.tables));
  });

  test('tables and excludeTables filter the dump; an unknown table is TABLE_NOT_FOUND', async () => {
    const only = await dumpToString(engine, source, { ...FULL, tables: ['customers'] });
    expect(only.tables.map((t) => t.name)).toEqual(['customers']);
    const without = await dumpToString(engine, source, { ...FULL, excludeTables: ['orders'] });
    expect(without.tables.map((t) => t.name)).not.toContain('orders');
    const error = await dumpToString(engine, source, { ...FULL, tables: ['nope'] }).catch(
      (e: unknown) => e,
    );
    expect(isLifeboatError(error, 'TABLE_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toContain('"nope"');
    expect(String((error as { hint?: string }).hint)).toContain('customers');
  });

  test('a restore with tables replaces only those tables and keeps foreign keys pointing at the target', async () => {
    const target = await scratch();
    await restore(target, full.sql);
    mariadb(
      'DELETE FROM orders WHERE id = 1; DELETE FROM customers WHERE id > 30 AND id NOT IN (SELECT customer_id FROM orders);',
      target.database,
    );
    const result = await restore(target, full.sql, ['customers']);
    expect(result.tables.map((t) => t.name)).toEqual(['customers']);
    const after = byName(await summaries(target));
    expect(after.customers).toEqual(byName(full.tables).customers);
    expect(after.orders?.rows).toBe(299);
    const fk = mariadb(
      `SELECT REFERENCED_TABLE_SCHEMA FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA='${target.database}' AND REFERENCED_TABLE_NAME IS NOT NULL`,
      undefined,
      ['-N'],
    );
    expect(fk.trim()).toBe(target.database);
    const before = await summaries(target);
    const error = await restore(target, full.sql, ['nope']).catch((e: unknown) => e);
    expect(isLifeboatError(error, 'TABLE_NOT_FOUND')).toBe(true);
    expect(await summaries(target)).toEqual(before);
  });

  test('describe is null for a database that does not exist; dumping it is DB_NOT_FOUND', async () => {
    const missing = mysqlTarget(uniqueDb('missing'));
    expect(await engine.describe(missing, { signal: signal() })).toBeNull();
    const error = await engine
      .openDump(missing, FULL, { signal: signal() })
      .catch((e: unknown) => e);
    expect(isLifeboatError(error, 'DB_NOT_FOUND')).toBe(true);
  });

  test('restoring into a database that does not exist creates it, and a failure drops it again', async () => {
    const fresh = mysqlTarget(uniqueDb('fresh'));
    dbs.push(fresh.database);
    const error = await restore(fresh, corruptLate(full.sql)).catch((e: unknown) => e);
    expect(isLifeboatError(error, 'RESTORE_FAILED')).toBe(true);
    expect(await engine.describe(fresh, { signal: signal() })).toBeNull();
    await restore(fresh, full.sql);
    expect(byName(await summaries(fresh))).toEqual(byName(full.tables));
  });

  test('scratch databases drop idempotently and leave no lifeboat databases behind', async () => {
    const s = await engine.createScratch(source, { signal: signal() });
    expect(s.target.database).toMatch(new RegExp(`^lifeboat_verify_${process.pid}_[0-9a-f]+$`));
    await restore(s.target, full.sql);
    await s.drop();
    await s.drop();
    expect(await engine.describe(s.target, { signal: signal() })).toBeNull();
    const left = mariadb(`SHOW DATABASES LIKE 'lifeboat\\_%\\_${process.pid}\\_%'`, undefined, [
      '-N',
    ]);
    expect(
      left.split('\n').filter((l) => l && !scratches.some((x) => x.target.database === l)),
    ).toEqual([]);
  });
});
