import { afterAll, expect, test } from 'vitest';
import { mysqlEngine as engine } from '../../src/engines/mysql/mysql-engine.js';
import {
  checksumTables,
  dropDbs,
  mariadb,
  mariadbDump,
  mysqlTarget,
  uniqueDb,
} from '../support/mysql-db.js';
import { byName, chunked, dumpToString, FULL } from '../support/sqlite-dump-helpers.js';

const dbs: string[] = [];
afterAll(() => dropDbs(...dbs));
const signal = (): AbortSignal => new AbortController().signal;
const fresh = () => {
  const db = uniqueDb('demo');
  dbs.push(db);
  return mysqlTarget(db);
};

test('createDemoDatabase builds a deterministic shop that backs up and restores exactly', async () => {
  const demo = fresh();
  const made = await engine.createDemoDatabase(demo, { scale: 0.1 });
  expect(made.tables).toBe(8);
  const described = await engine.describe(demo, { signal: signal() });
  expect(described?.tables.map((t) => t.name).sort()).toEqual([
    'addresses',
    'categories',
    'customers',
    'inventory_log',
    'order_items',
    'orders',
    'payments',
    'products',
  ]);
  const counts = Object.fromEntries((described?.tables ?? []).map((t) => [t.name, t]));
  expect(made.rows).toBe((described?.tables ?? []).reduce((n, t) => n + t.rows, 0));
  expect(counts.customers?.rows).toBe(400);
  expect(counts.orders?.rows).toBe(1202); // 1200 generated, 2 placed through the procedure
  expect(counts.inventory_log?.rows).toBe(2); // the trigger logged only the procedure's orders
  expect(counts.order_items?.rows).toBeGreaterThan(1200);
  const revenue = mariadb(
    'SELECT COUNT(*), SUM(revenue) > 0 FROM customer_revenue',
    demo.database,
    ['-N'],
  );
  expect(revenue.trim()).toBe('400\t1');

  // Deterministic: the same scale gives the same rows, and creating again replaces the database.
  const again = fresh();
  await engine.createDemoDatabase(again, { scale: 0.1 });
  await engine.createDemoDatabase(again, { scale: 0.1 });
  const first = await engine.summarize(demo, undefined, { signal: signal() });
  expect(await engine.summarize(again, undefined, { signal: signal() })).toEqual(first);

  // It is a fair demo of the engine: a backup restores to the same schema and contents.
  const dumped = await dumpToString(engine, demo, FULL);
  expect(byName(dumped.tables)).toEqual(byName(first));
  const restored = fresh();
  await engine.restore(restored, chunked(dumped.sql, 65536), { signal: signal() });
  const schema = (db: string) =>
    mariadbDump(db, ['--no-data', '--skip-comments', '--routines', '--triggers']);
  expect(schema(restored.database)).toEqual(schema(demo.database));
  expect(checksumTables(restored.database)).toEqual(checksumTables(demo.database));
});
