import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** Row counts of the demo database at scale 1; `scale` multiplies the big tables. */
const BASE = { users: 5000, forums: 24, threads: 4000, comments: 40_000, products: 3000 } as const;

const ROLES = ['admin', 'moderator', 'seller', 'member', 'guest', 'support'] as const;
const RESOURCES = [
  'users',
  'roles',
  'forums',
  'threads',
  'comments',
  'products',
  'orders',
  'reports',
] as const;
const ACTIONS = ['view', 'create', 'update', 'delete', 'moderate'] as const;
const WORDS =
  "lorem ipsum dolor sit amet backup restore verify checksum manifest snapshot schema table index trigger café naïve 東京 ünïcödé «quoted» O'Brien".split(
    ' ',
  );

/**
 * Creates a realistic community + marketplace app database (users, roles, permissions and
 * their joins, forums, threads, comments, products; foreign keys, indexes, a view, a trigger,
 * an AUTOINCREMENT table) for `lifeboat demo`. Deterministic: the same scale gives the same
 * rows. Replaces any file at `path`.
 */
export function createSqliteDemoDatabase(
  path: string,
  scale = 1,
): { tables: number; rows: number } {
  mkdirSync(dirname(path), { recursive: true });
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    let rows = 0;
    const rand = mulberry32(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
    const text = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(' ');
    const n = (k: keyof typeof BASE): number =>
      Math.max(1, Math.round(BASE[k] * (k === 'forums' ? 1 : scale)));
    const day = 86_400_000;
    const t0 = Date.UTC(2024, 0, 1);
    const at = (i: number): string =>
      new Date(t0 + Math.floor(rand() * 700 * day) + i).toISOString();

    db.transaction(() => {
      const role = db.prepare('INSERT INTO roles(name, description) VALUES (?, ?)');
      ROLES.forEach((r) => role.run(r, `${r} role`));
      const perm = db.prepare('INSERT INTO permissions(name, resource, action) VALUES (?, ?, ?)');
      for (const res of RESOURCES) for (const act of ACTIONS) perm.run(`${res}.${act}`, res, act);
      const rp = db.prepare('INSERT INTO role_permissions(role_id, permission_id) VALUES (?, ?)');
      const permCount = RESOURCES.length * ACTIONS.length;
      ROLES.forEach((_r, i) => {
        for (let p = 1; p <= permCount; p++)
          if (i === 0 || (p + i) % (i + 2) === 0) rp.run(i + 1, p);
      });
      const user = db.prepare(
        'INSERT INTO users(email, display_name, password_hash, balance_cents, rating, avatar, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const ur = db.prepare('INSERT OR IGNORE INTO user_roles(user_id, role_id) VALUES (?, ?)');
      for (let i = 1; i <= n('users'); i++) {
        const avatar =
          i % 7 === 0
            ? Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)))
            : null;
        user.run(
          `user${i}@example.com`,
          `${pick(WORDS)} ${i}`,
          `$2y$10$${i.toString(36).padStart(22, 'x')}`,
          Math.floor(rand() * 1_000_000) - 1000,
          i % 5 === 0 ? null : Math.round(rand() * 500) / 100,
          avatar,
          at(i),
        );
        ur.run(i, 4);
        if (i % 10 === 0) ur.run(i, 3);
        if (i % 250 === 0) ur.run(i, 2);
      }
      ur.run(1, 1);
      const forum = db.prepare('INSERT INTO forums(slug, title, description) VALUES (?, ?, ?)');
      for (let i = 1; i <= n('forums'); i++)
        forum.run(`forum-${i}`, `Forum ${i}: ${text(3)}`, text(12));
      const thread = db.prepare(
        'INSERT INTO threads(forum_id, user_id, title, body, created_at) VALUES (?, ?, ?, ?, ?)',
      );
      for (let i = 1; i <= n('threads'); i++) {
        thread.run(
          1 + (i % n('forums')),
          1 + Math.floor(rand() * n('users')),
          text(6),
          `${text(30)}\n${text(20)}`,
          at(i),
        );
      }
      const comment = db.prepare(
        'INSERT INTO comments(thread_id, user_id, body, created_at) VALUES (?, ?, ?, ?)',
      );
      for (let i = 1; i <= n('comments'); i++) {
        comment.run(
          1 + Math.floor(rand() * n('threads')),
          1 + Math.floor(rand() * n('users')),
          text(15),
          at(i),
        );
      }
      const product = db.prepare(
        'INSERT INTO products(seller_id, sku, name, price, stock, attributes, listed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (let i = 1; i <= n('products'); i++) {
        const attrs = JSON.stringify({
          color: pick(['red', 'blue', 'green']),
          weight_g: Math.floor(rand() * 5000),
        });
        product.run(
          10 * (1 + Math.floor(rand() * (n('users') / 10))),
          `SKU-${String(i).padStart(6, '0')}`,
          text(4),
          Math.round(rand() * 100_000) / 100,
          Math.floor(rand() * 500),
          attrs,
          at(i),
        );
      }
    })();
    const counts = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    for (const t of counts) rows += Number(db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get());
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { tables: counts.length, rows };
  } finally {
    db.close();
  }
}

/** Small fast deterministic PRNG, so the demo is the same on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCHEMA = `
PRAGMA foreign_keys = ON;
CREATE TABLE roles (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT
);
CREATE TABLE permissions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  resource TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('view','create','update','delete','moderate'))
);
CREATE TABLE role_permissions (
  role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
  permission_id INTEGER NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
  PRIMARY KEY (role_id, permission_id)
) WITHOUT ROWID;
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  balance_cents INTEGER NOT NULL DEFAULT 0,
  rating REAL,
  avatar BLOB,
  created_at TEXT NOT NULL,
  comment_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role_id INTEGER NOT NULL REFERENCES roles(id),
  PRIMARY KEY (user_id, role_id)
) WITHOUT ROWID;
CREATE TABLE forums (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  description TEXT
);
CREATE TABLE threads (
  id INTEGER PRIMARY KEY,
  forum_id INTEGER NOT NULL REFERENCES forums(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  thread_id INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  seller_id INTEGER NOT NULL REFERENCES users(id),
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  price NUMERIC NOT NULL CHECK (price >= 0),
  stock INTEGER NOT NULL DEFAULT 0,
  attributes TEXT CHECK (json_valid(attributes)),
  listed_at TEXT NOT NULL,
  price_cents INTEGER GENERATED ALWAYS AS (CAST(round(price * 100) AS INTEGER)) VIRTUAL
);
CREATE INDEX threads_forum_created ON threads(forum_id, created_at DESC);
CREATE INDEX comments_thread ON comments(thread_id);
CREATE INDEX comments_user ON comments(user_id);
CREATE INDEX products_in_stock ON products(seller_id) WHERE stock > 0;
CREATE INDEX users_email_domain ON users(substr(email, instr(email, '@') + 1));
CREATE VIEW forum_activity AS
  SELECT f.id AS forum_id, f.title, count(DISTINCT t.id) AS threads, count(c.id) AS comments
  FROM forums f LEFT JOIN threads t ON t.forum_id = f.id LEFT JOIN comments c ON c.thread_id = t.id
  GROUP BY f.id;
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments
BEGIN
  UPDATE users SET comment_count = comment_count + 1 WHERE id = NEW.user_id;
END;
`;
