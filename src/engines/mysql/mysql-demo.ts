import type { ConnectionTarget } from '../engine.js';
import { MysqlSession, quoteIdent } from './mysql-connect.js';
import { quoteString } from './mysql-literals.js';
import { createDatabase } from './mysql-scratch.js';

/** Row counts at scale 1; `scale` multiplies the big tables. */
const BASE = { customers: 4000, products: 1500, orders: 12_000, items: 30_000 } as const;
const CATEGORIES = ['books', 'garden', 'kitchen', 'toys', 'audio', 'outdoor'] as const;
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
const CITIES = ['Zürich', 'São Paulo', 'Kraków', '東京', 'Reykjavík', "O'Fallon", 'Lyon'] as const;
const NOUNS =
  'lamp kettle chair novel trowel speaker tent blanket puzzle mug lantern notebook drone'.split(
    ' ',
  );
const ADJECTIVES = 'red compact vintage solar folding smart quiet heavy-duty tiny «deluxe»'.split(
  ' ',
);

/** Rows per INSERT: well under max_allowed_packet, few round trips. */
const BATCH = 500;

/**
 * Builds the demo shop of `lifeboat demo` in `target`'s database, replacing it: customers,
 * addresses, a product catalog (JSON attributes, a generated column), orders with ENUM
 * states and DECIMAL totals, order items, payments with binary tokens, an inventory log
 * kept by a trigger, a view and a stored procedure, in SQL that MySQL 8 and MariaDB both
 * accept. Deterministic: the same scale gives the same rows.
 */
export async function createMysqlDemoDatabase(
  target: ConnectionTarget,
  scale: number,
): Promise<{ tables: number; rows: number }> {
  const signal = new AbortController().signal;
  const admin = await MysqlSession.open(target, {
    signal,
    database: null,
    action: 'creating the demo database on',
  });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(target.database)}`);
    await createDatabase(admin, target.database, undefined);
    await admin.query(
      `ALTER DATABASE ${quoteIdent(target.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.close();
  }
  const session = await MysqlSession.open(target, { signal, action: 'filling the demo database' });
  try {
    for (const statement of SCHEMA) await session.query(statement);
    await fill(session, scale);
    const counts = await session.query(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    );
    let rows = 0;
    for (const { t } of counts) {
      const [row] = await session.query(`SELECT COUNT(*) AS n FROM ${quoteIdent(String(t))}`);
      rows += Number(row?.n ?? 0);
    }
    return { tables: counts.length, rows };
  } finally {
    await session.close();
  }
}

/** Inserts the rows, table by table, in multi-row INSERTs inside one transaction. */
async function fill(session: MysqlSession, scale: number): Promise<void> {
  const random = xorshift(20240601);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const count = (k: keyof typeof BASE): number => Math.max(1, Math.round(BASE[k] * scale));
  const day = 86_400_000;
  const at = (): string =>
    new Date(Date.UTC(2023, 0, 1) + int(600 * day) + int(day))
      .toISOString()
      .slice(0, 19)
      .replace('T', ' ');
  const insert = async (table: string, columns: string, rows: Iterable<string>): Promise<void> => {
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await session.query(`INSERT INTO ${table} (${columns}) VALUES ${batch.join(',')}`);
      batch = [];
    };
    for (const row of rows) {
      batch.push(row);
      if (batch.length === BATCH) await flush();
    }
    await flush();
  };
  const s = quoteString;
  const customers = count('customers');
  const products = count('products');
  const orders = count('orders');

  // A fixed clock for CURRENT_TIMESTAMP defaults, so that the rows are the same every time.
  await session.query("SET timestamp = UNIX_TIMESTAMP('2024-08-24 12:00:00')");
  await session.query('START TRANSACTION');
  await insert(
    'categories',
    'id, name',
    CATEGORIES.map((c, i) => `(${i + 1}, ${s(c)})`),
  );
  await insert(
    'customers',
    'id, email, name, tier, created_at, marketing_opt_in',
    (function* () {
      for (let i = 1; i <= customers; i++) {
        const tier = i % 50 === 0 ? 'gold' : i % 7 === 0 ? 'silver' : 'standard';
        yield `(${i}, ${s(`customer${i}@example.com`)}, ${s(`${pick(ADJECTIVES)} ${pick(NOUNS)} ${i}`)}, '${tier}', '${at()}', ${i % 3 === 0 ? 1 : 0})`;
      }
    })(),
  );
  await insert(
    'addresses',
    'customer_id, kind, city, postcode, lat, lon',
    (function* () {
      for (let i = 1; i <= customers; i++) {
        yield `(${i}, 'shipping', ${s(pick(CITIES))}, ${s(String(1000 + int(9000)))}, ${(random() * 180 - 90).toFixed(6)}, ${(random() * 360 - 180).toFixed(6)})`;
        if (i % 4 === 0) yield `(${i}, 'billing', ${s(pick(CITIES))}, NULL, NULL, NULL)`;
      }
    })(),
  );
  await insert(
    'products',
    'id, category_id, sku, name, price, stock, attributes, listed_on',
    (function* () {
      for (let i = 1; i <= products; i++) {
        const attributes = JSON.stringify({
          color: pick(['red', 'blue', 'green', 'black']),
          weight_g: int(5000),
          tags: [pick(NOUNS), pick(ADJECTIVES)],
        });
        yield `(${i}, ${1 + (i % CATEGORIES.length)}, ${s(`SKU-${String(i).padStart(6, '0')}`)}, ${s(`${pick(ADJECTIVES)} ${pick(NOUNS)}`)}, ${(1 + int(50_000) / 100).toFixed(2)}, ${int(300)}, ${s(attributes)}, '${at().slice(0, 10)}')`;
      }
    })(),
  );
  await insert(
    'orders',
    'id, customer_id, status, placed_at, note',
    (function* () {
      for (let i = 1; i <= orders; i++) {
        const note = i % 9 === 0 ? s(`leave at the door\n${pick(CITIES)} ☕`) : 'NULL';
        yield `(${i}, ${1 + int(customers)}, '${pick(STATUSES)}', '${at()}', ${note})`;
      }
    })(),
  );
  // Items go in with the trigger off: it logs stock movements of new orders from now on.
  await session.query('SET @demo_loading = 1');
  await insert(
    'order_items',
    'order_id, line, product_id, quantity, unit_price',
    (function* () {
      const perOrder = Math.max(1, Math.round(count('items') / orders));
      for (let o = 1; o <= orders; o++) {
        for (let line = 1; line <= 1 + int(perOrder * 2 - 1); line++) {
          yield `(${o}, ${line}, ${1 + int(products)}, ${1 + int(4)}, ${(1 + int(20_000) / 100).toFixed(2)})`;
        }
      }
    })(),
  );
  await session.query('SET @demo_loading = NULL');
  await session.query(
    `UPDATE orders o SET total = (SELECT COALESCE(SUM(quantity * unit_price), 0) FROM order_items i WHERE i.order_id = o.id)`,
  );
  await insert(
    'payments',
    'order_id, method, amount, token, paid_at',
    (function* () {
      for (let o = 1; o <= orders; o++) {
        if (o % 5 === 0) continue;
        const token = Array.from({ length: 16 }, () => int(256).toString(16).padStart(2, '0'));
        yield `(${o}, '${pick(['card', 'paypal', 'invoice'])}', 0, 0x${token.join('')}, '${at()}')`;
      }
    })(),
  );
  await session.query(
    'UPDATE payments p JOIN orders o ON o.id = p.order_id SET p.amount = o.total',
  );
  await session.query('COMMIT');
  // A few orders placed the normal way, so the trigger has written to the inventory log.
  await session.query(`CALL place_order(1, 1, 2)`);
  await session.query(`CALL place_order(2, ${Math.min(2, products)}, 1)`);
}

/** Small deterministic PRNG (xorshift32), so the demo is the same on every machine. */
function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const SCHEMA = [
  `CREATE TABLE categories (
    id SMALLINT UNSIGNED PRIMARY KEY,
    name VARCHAR(40) NOT NULL UNIQUE
  ) ENGINE=InnoDB`,
  `CREATE TABLE customers (
    id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(190) NOT NULL UNIQUE,
    name VARCHAR(120) NOT NULL,
    tier ENUM('standard', 'silver', 'gold') NOT NULL DEFAULT 'standard',
    marketing_opt_in BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB`,
  `CREATE TABLE addresses (
    id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    customer_id INT UNSIGNED NOT NULL,
    kind ENUM('shipping', 'billing') NOT NULL,
    city VARCHAR(80) NOT NULL,
    postcode CHAR(4),
    lat DECIMAL(9,6),
    lon DECIMAL(9,6),
    CONSTRAINT addresses_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
  ) ENGINE=InnoDB`,
  `CREATE TABLE products (
    id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    category_id SMALLINT UNSIGNED NOT NULL,
    sku VARCHAR(20) NOT NULL UNIQUE,
    name VARCHAR(120) NOT NULL,
    price DECIMAL(10,2) NOT NULL,
    stock INT NOT NULL DEFAULT 0,
    attributes JSON,
    listed_on DATE NOT NULL,
    price_cents INT AS (ROUND(price * 100)) STORED,
    CONSTRAINT products_category FOREIGN KEY (category_id) REFERENCES categories (id),
    KEY products_in_stock (category_id, stock)
  ) ENGINE=InnoDB`,
  `CREATE TABLE orders (
    id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    customer_id INT UNSIGNED NOT NULL,
    status ENUM('pending', 'paid', 'shipped', 'delivered', 'cancelled') NOT NULL DEFAULT 'pending',
    total DECIMAL(12,2) NOT NULL DEFAULT 0,
    placed_at DATETIME NOT NULL,
    note TEXT,
    CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
    KEY orders_placed (placed_at)
  ) ENGINE=InnoDB`,
  `CREATE TABLE order_items (
    order_id INT UNSIGNED NOT NULL,
    line SMALLINT UNSIGNED NOT NULL,
    product_id INT UNSIGNED NOT NULL,
    quantity SMALLINT UNSIGNED NOT NULL,
    unit_price DECIMAL(10,2) NOT NULL,
    PRIMARY KEY (order_id, line),
    CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT items_product FOREIGN KEY (product_id) REFERENCES products (id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE payments (
    id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    order_id INT UNSIGNED NOT NULL UNIQUE,
    method ENUM('card', 'paypal', 'invoice') NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    token VARBINARY(16) NOT NULL,
    paid_at DATETIME(6) NOT NULL,
    CONSTRAINT payments_order FOREIGN KEY (order_id) REFERENCES orders (id)
  ) ENGINE=InnoDB`,
  `CREATE TABLE inventory_log (
    id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
    product_id INT UNSIGNED NOT NULL,
    delta INT NOT NULL,
    logged_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
  ) ENGINE=InnoDB`,
  `CREATE TRIGGER order_items_stock AFTER INSERT ON order_items FOR EACH ROW
   BEGIN
     IF @demo_loading IS NULL THEN
       UPDATE products SET stock = stock - NEW.quantity WHERE id = NEW.product_id;
       INSERT INTO inventory_log (product_id, delta) VALUES (NEW.product_id, -NEW.quantity);
     END IF;
   END`,
  `CREATE PROCEDURE place_order(IN p_customer INT UNSIGNED, IN p_product INT UNSIGNED, IN p_quantity SMALLINT UNSIGNED)
   BEGIN
     DECLARE v_order INT UNSIGNED;
     DECLARE v_price DECIMAL(10,2);
     SELECT price INTO v_price FROM products WHERE id = p_product;
     INSERT INTO orders (customer_id, status, placed_at) VALUES (p_customer, 'pending', '2024-08-24 12:00:00');
     SET v_order = LAST_INSERT_ID();
     INSERT INTO order_items (order_id, line, product_id, quantity, unit_price)
       VALUES (v_order, 1, p_product, p_quantity, v_price);
     UPDATE orders SET total = p_quantity * v_price WHERE id = v_order;
   END`,
  `CREATE VIEW customer_revenue AS
   SELECT c.id AS customer_id, c.name, c.tier, COUNT(o.id) AS orders, COALESCE(SUM(o.total), 0) AS revenue
     FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
    GROUP BY c.id, c.name, c.tier`,
];
