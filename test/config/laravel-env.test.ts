import { describe, expect, test } from 'vitest';
import { loadConfig, resolveConnection } from '../../src/config/index.js';
import { project } from './helpers.js';

/** The `default` connection URL for a project with this `.env` and no config file. */
async function defaultUrl(
  dotenv: string,
  env: NodeJS.ProcessEnv = {},
): Promise<string | undefined> {
  const config = await loadConfig({ cwd: await project({ '.env': dotenv }), env });
  return config.connections.default?.url;
}

describe('default connection from Laravel-style variables', () => {
  test('sqlite uses DB_DATABASE as the file path', async () => {
    expect(await defaultUrl('DB_CONNECTION=sqlite\nDB_DATABASE=database/app.sqlite\n')).toBe(
      'sqlite:database/app.sqlite',
    );
  });

  test("sqlite without DB_DATABASE uses Laravel's default file", async () => {
    expect(await defaultUrl('DB_CONNECTION=sqlite\n# DB_HOST=127.0.0.1\n')).toBe(
      'sqlite:database/database.sqlite',
    );
  });

  test('pgsql percent-encodes user and password', async () => {
    const env =
      'DB_CONNECTION=pgsql\nDB_HOST=db.internal\nDB_PORT=6543\nDB_DATABASE=shop\nDB_USERNAME=app user\nDB_PASSWORD="p@ss:w/rd#1%"\n';
    expect(await defaultUrl(env)).toBe(
      'postgres://app%20user:p%40ss%3Aw%2Frd%231%25@db.internal:6543/shop',
    );
  });

  test("mysql and mariadb, with Laravel's defaults for host and port", async () => {
    expect(
      await defaultUrl(
        'DB_CONNECTION=mysql\nDB_DATABASE=app\nDB_USERNAME=user\nDB_PASSWORD=p@ss\n',
      ),
    ).toBe('mysql://user:p%40ss@127.0.0.1:3306/app');
    expect(
      await defaultUrl('DB_CONNECTION=mariadb\nDB_DATABASE=app\nDB_USERNAME=user\nDB_PASSWORD=\n'),
    ).toBe('mariadb://user@127.0.0.1:3306/app');
  });

  test('DATABASE_URL wins over DB_* parts', async () => {
    expect(await defaultUrl('DB_CONNECTION=mysql\n', { DATABASE_URL: 'postgres://u@h/db' })).toBe(
      'postgres://u@h/db',
    );
  });

  test('the real environment overrides .env', async () => {
    expect(
      await defaultUrl('DB_CONNECTION=sqlite\nDB_DATABASE=a.db\n', { DB_DATABASE: 'b.db' }),
    ).toBe('sqlite:b.db');
  });

  test('an unsupported driver gives a warning and no connection', async () => {
    const config = await loadConfig({
      cwd: await project({ '.env': 'DB_CONNECTION=sqlsrv\n' }),
      env: {},
    });
    expect(config.connections).toEqual({});
    expect(config.warnings).toEqual([
      'DB_CONNECTION="sqlsrv" is not supported (use sqlite, pgsql, mysql or mariadb); no default connection',
    ]);
  });

  test('a config file without connections still gets the default connection', async () => {
    const dir = await project({
      'lifeboat.yaml': 'defaults: { compress: none }\n',
      '.env': 'DB_CONNECTION=sqlite\n',
    });
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(resolveConnection(config)).toMatchObject({
      name: 'default',
      url: 'sqlite:database/database.sqlite',
      protected: false,
    });
    expect(config.connections.default!.source).toBe('env');
  });

  test('a config file with connections does not', async () => {
    const dir = await project({
      'lifeboat.yaml': 'connections: { app: { url: "sqlite:a.db" } }\n',
      '.env': 'DB_CONNECTION=sqlite\n',
    });
    expect(Object.keys((await loadConfig({ cwd: dir, env: {} })).connections)).toEqual(['app']);
  });
});
