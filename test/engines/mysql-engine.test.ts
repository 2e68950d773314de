import { afterAll, beforeAll, expect, test } from 'vitest';
import { mysqlEngine as engine } from '../../src/engines/mysql/mysql-engine.js';
import { engineForUrl } from '../../src/engines/registry.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { createDb, dropDbs, mariadb, mysqlTarget } from '../support/mysql-db.js';

const signal = (): AbortSignal => new AbortController().signal;
let db = '';
beforeAll(() => {
  db = createDb('engine');
  mariadb(
    'CREATE TABLE a (id INT PRIMARY KEY) ENGINE=InnoDB; CREATE TABLE b (id INT) ENGINE=MyISAM; INSERT INTO b VALUES (1),(2);',
    db,
  );
});
afterAll(() => dropDbs(db));

test('urls: mysql and mariadb schemes, display without password, lock key by server and database', () => {
  expect(engineForUrl('mariadb://x@h/db')).toBe(engine);
  const t = engine.parseUrl('mysql://app:s%40cret@DB.example.com:3307/shop%2Dprod', '/');
  expect(t).toMatchObject({
    engine: 'mysql',
    database: 'shop-prod',
    display: 'mysql://app@DB.example.com:3307/shop-prod',
    lockKey: 'mysql://db.example.com:3307/shop-prod',
  });
  expect(engine.parseUrl('mariadb://h/db', '/').lockKey).toBe('mysql://h:3306/db');
  for (const bad of ['mysql://h', 'mysql://h/', 'mysql://:pw@/db']) {
    const error = (() => {
      try {
        engine.parseUrl(bad, '/');
      } catch (e) {
        return e;
      }
    })();
    expect(isLifeboatError(error, 'URL_INVALID')).toBe(true);
  }
  const secret = (() => {
    try {
      engine.parseUrl('mysql://u:hunter2@h', '/');
    } catch (e) {
      return e as Error;
    }
  })();
  expect(secret?.message).not.toContain('hunter2');
});

test('connection errors map to DB_UNREACHABLE / DB_NOT_FOUND with hints', async () => {
  const refused = await engine
    .describe(engine.parseUrl('mysql://root@127.0.0.1:1/x', '/'), { signal: signal() })
    .catch((e: unknown) => e);
  expect(isLifeboatError(refused, 'DB_UNREACHABLE')).toBe(true);
  expect((refused as Error).message).toContain('ECONNREFUSED');
  const denied = await engine
    .describe(engine.parseUrl('mysql://nobody_lifeboat:wrong@127.0.0.1:3306/x', '/'), {
      signal: signal(),
    })
    .catch((e: unknown) => e);
  expect(isLifeboatError(denied, 'DB_UNREACHABLE')).toBe(true);
  expect((denied as Error).message).toMatch(/^access denied/);
  const missing = await engine
    .summarize(mysqlTarget(`${db}_nope`), undefined, { signal: signal() })
    .catch((e: unknown) => e);
  expect(isLifeboatError(missing, 'DB_NOT_FOUND')).toBe(true);
});

test('maintenance: info largest first, check, optimize, repair only where the engine supports it', async () => {
  const m = engine.maintenance;
  const info = await m.info(mysqlTarget(db), { signal: signal() });
  expect(info.tables.map((t) => t.name).sort()).toEqual(['a', 'b']);
  const check = await m.check(mysqlTarget(db), { signal: signal() });
  expect(check.ok).toBe(true);
  expect(check.tables.every((t) => t.status === 'ok')).toBe(true);
  const optimize = await m.optimize(mysqlTarget(db), { signal: signal() });
  expect(optimize.ok).toBe(true);
  const repair = await m.repair(mysqlTarget(db), { signal: signal() });
  expect(repair.tables).toEqual([
    { table: 'a', status: 'skipped', message: 'skipped: InnoDB does not support REPAIR' },
    expect.objectContaining({ table: 'b', status: 'repaired' }),
  ]);
});

test('scratch databases are named lifeboat_verify_<pid>_<random> and leave nothing behind', async () => {
  const s = await engine.createScratch(mysqlTarget(db), { signal: signal() });
  expect(s.target.database).toMatch(new RegExp(`^lifeboat_verify_${process.pid}_[0-9a-f]+$`));
  expect(await engine.describe(s.target, { signal: signal() })).toEqual(
    expect.objectContaining({ tables: [] }),
  );
  await s.drop();
  const left = mariadb(
    `SHOW DATABASES LIKE '${s.target.database.replace(/_/g, '\\_')}'`,
    undefined,
    ['-N'],
  );
  expect(left.trim()).toBe('');
});
