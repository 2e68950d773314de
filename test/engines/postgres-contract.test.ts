import { postgresEngine } from '../../src/engines/postgres/postgres-engine.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { createDb, dropDb, pgExec, pgTarget, uniqueDbName } from '../support/postgres-db.js';

const FIXTURE = `
CREATE TABLE customers(id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE, balance numeric(12,2), avatar bytea);
CREATE TABLE orders(id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id),
  total_cents bigint, note text);
CREATE TABLE notes(body text);
CREATE INDEX orders_customer ON orders(customer_id);
INSERT INTO customers SELECT i, 'customer ' || i, 'c' || i || '@example.com', i * 1.25, decode(md5(i::text), 'hex')
  FROM generate_series(1, 50) i;
INSERT INTO orders(customer_id, total_cents, note) SELECT 1 + i % 40, i * 199,
  CASE WHEN i % 7 = 0 THEN NULL ELSE E'o''rder\\t' || i END FROM generate_series(1, 300) i;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total_cents > 10000;
`;

runEngineContract('postgres', async () => {
  const dbs: string[] = [];
  return {
    engine: postgresEngine,
    fixture: FIXTURE,
    readsFormats: ['lifeboat postgres', 'pg_dump'],
    createDatabase: async () => {
      const db = await createDb();
      dbs.push(db);
      return pgTarget(db);
    },
    exec: (target, sql) => pgExec(target.database, sql),
    missingTarget: () => {
      const db = uniqueDbName('lbmissing');
      dbs.push(db);
      return pgTarget(db);
    },
    cleanup: async () => {
      for (const db of dbs) await dropDb(db);
    },
    // A row with too few columns in the last COPY block: the server rejects it at the end.
    corruptLate: (sql) => {
      const at = sql.lastIndexOf('\n\\.\n');
      return `${sql.slice(0, at)}\nnot-a-row${sql.slice(at)}`;
    },
  };
});
