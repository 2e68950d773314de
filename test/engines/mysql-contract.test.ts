import { mysqlEngine } from '../../src/engines/mysql/mysql-engine.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { createDb, dropDbs, mariadb, mysqlTarget, uniqueDb } from '../support/mysql-db.js';

const FIXTURE = `
CREATE TABLE customers(id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) UNIQUE, balance DOUBLE, avatar VARBINARY(16));
CREATE TABLE orders(id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total_cents BIGINT, note TEXT,
  FOREIGN KEY (customer_id) REFERENCES customers(id));
CREATE TABLE notes(body TEXT);
INSERT INTO customers SELECT seq, CONCAT('customer ', seq), CONCAT('c', seq, '@example.com'), seq * 1.25, RANDOM_BYTES(8) FROM seq_1_to_50;
INSERT INTO orders(customer_id, total_cents, note) SELECT 1 + seq % 40, seq * 199, IF(seq % 7 = 0, NULL, CONCAT('o''rder ', seq)) FROM seq_1_to_300;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total_cents > 10000;
`;

runEngineContract('mysql', async () => {
  const dbs: string[] = [];
  return {
    engine: mysqlEngine,
    fixture: FIXTURE,
    readsFormats: ['lifeboat mysql', 'mysqldump', 'mariadb-dump'],
    createDatabase: async () => {
      const db = createDb('contract');
      dbs.push(db);
      return mysqlTarget(db);
    },
    // The mariadb client: its own connection, and it exits non-zero on the first error.
    exec: async (target, sql) => {
      mariadb(sql, target.database);
    },
    missingTarget: () => {
      const db = uniqueDb('missing');
      dbs.push(db);
      return mysqlTarget(db);
    },
    cleanup: async () => dropDbs(...dbs),
  };
});
