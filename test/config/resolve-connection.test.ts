import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  loadConfig,
  nameFromUrl,
  redactUrl,
  resolveConnection,
  resolveStorages,
} from '../../src/config/index.js';
import { errorOf, project } from './helpers.js';

const YAML = `
connections:
  app: { url: "sqlite:./app.db" }
  staging: { url: "postgres://u:secret@staging/shop" }
  prod: { url: "postgres://u:secret@prod/shop", protected: true }
storage:
  local: { type: local, path: ./backups }
  offsite: { type: local, path: /mnt/offsite }
`;

async function load(yaml = YAML) {
  return loadConfig({ cwd: await project({ 'lifeboat.yaml': yaml }), env: {} });
}

describe('resolveConnection', () => {
  test('by name', async () => {
    const config = await load();
    expect(resolveConnection(config, 'prod')).toEqual({
      name: 'prod',
      url: 'postgres://u:secret@prod/shop',
      protected: true,
      baseDir: config.baseDir,
    });
  });

  test('by URL, with a derived name, relative to the working directory', async () => {
    const config = await load();
    expect(resolveConnection(config, 'sqlite:./data/my-app.sqlite3')).toEqual({
      name: 'my-app',
      url: 'sqlite:./data/my-app.sqlite3',
      protected: false,
      baseDir: config.cwd,
    });
    expect(resolveConnection(config, 'mysql://u:p@h:3306/orders?ssl=true').name).toBe('orders');
  });

  test('a URL equal to a configured one keeps its name and protection', async () => {
    const config = await load();
    expect(resolveConnection(config, 'postgres://u:secret@prod/shop')).toMatchObject({
      name: 'prod',
      protected: true,
    });
  });

  test('no argument: the only connection, or default', async () => {
    expect(
      resolveConnection(await load('connections: { solo: { url: "sqlite:s.db" } }\n')).name,
    ).toBe('solo');
    const withDefault = await load(
      'connections: { a: { url: "sqlite:a.db" }, default: { url: "sqlite:d.db" } }\n',
    );
    expect(resolveConnection(withDefault).name).toBe('default');
  });

  test('no argument with several connections lists them', async () => {
    const err = await errorOf('CONNECTION_UNKNOWN', async () => resolveConnection(await load()));
    expect(err.message).toBe('several connections are configured (app, staging, prod); name one');
    expect(err.hint).toBe('e.g. "lifeboat backup app"');
  });

  test('no argument and nothing configured', async () => {
    const err = await errorOf('CONNECTION_UNKNOWN', async () => resolveConnection(await load('')));
    expect(err.message).toBe('no connection configured');
    expect(err.hint).toContain('DATABASE_URL');
  });

  test('an unknown name suggests the nearest and lists the available ones', async () => {
    const err = await errorOf('CONNECTION_UNKNOWN', async () =>
      resolveConnection(await load(), 'stagin'),
    );
    expect(err.message).toBe('unknown connection "stagin"');
    expect(err.hint).toBe(
      'did you mean "staging"? configured connections: app, staging, prod; a URL such as sqlite:./app.db also works',
    );
    expect(err.details).toEqual({ name: 'stagin', available: ['app', 'staging', 'prod'] });
  });

  test('an unrelated unknown name suggests nothing', async () => {
    const err = await errorOf('CONNECTION_UNKNOWN', async () =>
      resolveConnection(await load(), 'warehouse'),
    );
    expect(err.hint).toMatch(/^configured connections: /);
  });
});

describe('nameFromUrl', () => {
  test.each([
    ['sqlite:app.db', 'app'],
    ['sqlite:./data/app.db', 'app'],
    ['sqlite:///var/lib/app.sqlite', 'app'],
    ['postgres://u:p@host:5432/shop', 'shop'],
    ['postgresql://host/my.db?sslmode=require', 'my_db'],
    ['mariadb://u@host', 'host'],
    ['postgres://u:p%40x@host/caf%C3%A9', 'caf'],
  ])('%s -> %s', (url, name) => {
    expect(nameFromUrl(url)).toBe(name);
  });
});

describe('resolveStorages', () => {
  test('defaults, named, deduplicated, absolute', async () => {
    const config = await load();
    expect(resolveStorages(config).map((s) => s.name)).toEqual(['local']);
    expect(resolveStorages(config, ['offsite', 'local', 'offsite'])).toEqual([
      { name: 'offsite', type: 'local', path: '/mnt/offsite' },
      { name: 'local', type: 'local', path: join(config.baseDir, 'backups') },
    ]);
  });

  test('unknown names fail with the list', async () => {
    const err = await errorOf('STORAGE_NOT_FOUND', async () =>
      resolveStorages(await load(), ['ofsite']),
    );
    expect(err.message).toBe('unknown storage "ofsite"');
    expect(err.hint).toBe('did you mean "offsite"? configured storages: local, offsite');
  });
});

describe('redactUrl', () => {
  test.each([
    ['postgres://user:secret@host:5432/db', 'postgres://user:***@host:5432/db'],
    ['mysql://user:p%40ss@host/db', 'mysql://user:***@host/db'],
    ['mysql://user:p@ss@host/db', 'mysql://user:***@host/db'],
    ['postgres://user@host/db', 'postgres://user@host/db'],
    [
      'postgres://host/db?user=u&password=secret&ssl=1',
      'postgres://host/db?user=u&password=***&ssl=1',
    ],
    ['sqlite:./app.db', 'sqlite:./app.db'],
    ['not a url', 'not a url'],
  ])('%s', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });
});
