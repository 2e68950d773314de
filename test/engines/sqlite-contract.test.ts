import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sqliteEngine } from '../../src/engines/sqlite/sqlite-engine.js';
import { runEngineContract } from '../contract/engine.contract.js';

// WAL, so that the contract's concurrent writer is not blocked by the dump's read transaction.
const FIXTURE = `
PRAGMA journal_mode=WAL;
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, balance REAL, avatar BLOB);
CREATE TABLE orders(id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER NOT NULL REFERENCES customers(id),
  total_cents INTEGER, note TEXT);
CREATE TABLE notes(body TEXT);
CREATE INDEX orders_customer ON orders(customer_id);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com', i * 1.25, randomblob(8) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO orders(customer_id, total_cents, note) SELECT 1 + i % 40, i * 199, CASE WHEN i % 7 = 0 THEN NULL ELSE 'o''rder ' || i END FROM n;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total_cents > 10000;
`;

runEngineContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-contract-'));
  let n = 0;
  return {
    engine: sqliteEngine,
    fixture: FIXTURE,
    readsFormats: ['lifeboat sqlite', 'sqlite3 .dump'],
    createDatabase: async () => {
      const target = sqliteEngine.parseUrl(`sqlite:./db-${++n}.db`, dir);
      new Database(target.database).close();
      return target;
    },
    exec: async (target, sql) => {
      const db = new Database(target.database, { fileMustExist: true, timeout: 10_000 });
      try {
        db.pragma('foreign_keys = ON');
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    missingTarget: () => sqliteEngine.parseUrl(`sqlite:./missing-${++n}.db`, dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
