import { join } from 'node:path';
import { sqlite3 } from './sqlite-cli.js';

/**
 * A small app database with the object kinds the CLI tests care about: AUTOINCREMENT, a
 * WITHOUT ROWID join table, foreign keys, an index, a view and a trigger, every storage class.
 */
export function makeAppDb(dir: string, name = 'app.db', rows = 500): string {
  const path = join(dir, name);
  sqlite3(
    path,
    `
    PRAGMA journal_mode=WAL;
    CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, score REAL, avatar BLOB);
    CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE user_roles (user_id INTEGER REFERENCES users(id), role_id INTEGER REFERENCES roles(id), PRIMARY KEY (user_id, role_id)) WITHOUT ROWID;
    CREATE TABLE notes (body TEXT, n INTEGER);
    CREATE INDEX notes_n ON notes(n);
    CREATE VIEW user_count AS SELECT count(*) AS n FROM users;
    CREATE TRIGGER notes_touch AFTER INSERT ON notes BEGIN UPDATE roles SET name = name WHERE id = 1; END;
    INSERT INTO roles VALUES (1, 'admin'), (2, 'member');
    WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${rows})
    INSERT INTO users(email, score, avatar) SELECT 'user' || i || '@example.com', i * 0.5, randomblob(8) FROM seq;
    INSERT INTO user_roles SELECT id, 1 + (id % 2) FROM users;
    INSERT INTO notes VALUES ('it''s a "note"' || char(10) || 'line two', 9223372036854775807), ('ünïcødé 🚀', -9223372036854775808), (NULL, 0), (x'00ff10', 1);
    DELETE FROM users WHERE id = ${rows};
    `,
  );
  return path;
}
