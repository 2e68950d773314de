import { describe, expect, test } from 'vitest';
import { loadConfig, resolveConnection } from '../../src/config/index.js';
import { errorOf, project } from './helpers.js';

/** Loads a config whose only connection has `url`, and returns the expanded URL. */
async function urlOf(url: string, env: NodeJS.ProcessEnv, dotenv?: string): Promise<string> {
  const files: Record<string, string> = {
    'lifeboat.yaml': `connections:\n  app: { url: '${url}' }\n`,
  };
  if (dotenv !== undefined) files['.env'] = dotenv;
  const config = await loadConfig({ cwd: await project(files), env });
  return resolveConnection(config, 'app').url;
}

describe('${VAR} expansion', () => {
  test('from the environment', async () => {
    expect(await urlOf('${DATABASE_URL}', { DATABASE_URL: 'sqlite:./app.db' })).toBe(
      'sqlite:./app.db',
    );
  });

  test('from .env beside the config, without touching process.env', async () => {
    expect(await urlOf('${DB_URL_X}', {}, 'DB_URL_X=postgres://u@h/db\n')).toBe(
      'postgres://u@h/db',
    );
    expect(process.env.DB_URL_X).toBeUndefined();
  });

  test('the real environment wins over .env', async () => {
    expect(await urlOf('${X}', { X: 'sqlite:real.db' }, 'X=sqlite:file.db\n')).toBe(
      'sqlite:real.db',
    );
  });

  test('inside a longer string, several times', async () => {
    expect(await urlOf('postgres://${U}@${H}:5432/db', { U: 'me', H: 'db.local' })).toBe(
      'postgres://me@db.local:5432/db',
    );
  });

  test('${VAR:-default} applies when VAR is unset or empty', async () => {
    expect(await urlOf('${X:-sqlite:./fallback.db}', {})).toBe('sqlite:./fallback.db');
    expect(await urlOf('${X:-sqlite:./fallback.db}', { X: '' })).toBe('sqlite:./fallback.db');
    expect(await urlOf('${X:-sqlite:./fallback.db}', { X: 'sqlite:set.db' })).toBe('sqlite:set.db');
  });

  test('$$ is a literal $, and a lone $ stays', async () => {
    expect(await urlOf('mysql://u:pa$$${X}@h/db', { X: 'ss' })).toBe('mysql://u:pa$ss@h/db');
    expect(await urlOf('mysql://u:pa$word@h/db', {})).toBe('mysql://u:pa$word@h/db');
  });

  test('values are not re-parsed as YAML', async () => {
    expect(await urlOf('${X}', { X: 'sqlite:a.db # not a comment: {x}' })).toBe(
      'sqlite:a.db # not a comment: {x}',
    );
  });

  test('an unset variable names the variable and the key', async () => {
    const dir = await project({
      'lifeboat.yaml': 'storage:\n  local: { type: local, path: "${BACKUP_DIR}" }\n',
    });
    const err = await errorOf('CONFIG_INVALID', () => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toBe(
      'lifeboat.yaml: "storage.local.path" uses ${BACKUP_DIR}, which is not set',
    );
    expect(err.hint).toContain('${BACKUP_DIR:-value}');
    expect(err.details).toMatchObject({ key: 'storage.local.path', variable: 'BACKUP_DIR' });
  });

  test('an unset variable in a connection URL fails only when that connection is used', async () => {
    const dir = await project({
      'lifeboat.yaml':
        'connections:\n  app: { url: "sqlite:a.db" }\n  prod: { url: "${PROD_DATABASE_URL}", protected: true }\n',
    });
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(resolveConnection(config, 'app').url).toBe('sqlite:a.db');
    expect(config.connections.prod!.unset).toEqual({
      variable: 'PROD_DATABASE_URL',
      key: 'connections.prod.url',
    });
    const err = await errorOf('CONFIG_INVALID', () => resolveConnection(config, 'prod'));
    expect(err.message).toBe(
      'lifeboat.yaml: "connections.prod.url" uses ${PROD_DATABASE_URL}, which is not set',
    );
  });

  test('malformed references', async () => {
    const dir = await project({ 'lifeboat.yaml': 'catalog: { path: "${HOME" }\n' });
    const err = await errorOf('CONFIG_INVALID', () => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toBe('lifeboat.yaml: "catalog.path" has "${" without a closing "}"');
    const dir2 = await project({ 'lifeboat.yaml': 'catalog: { path: "${1X}" }\n' });
    const err2 = await errorOf('CONFIG_INVALID', () => loadConfig({ cwd: dir2, env: {} }));
    expect(err2.message).toMatch(
      /^lifeboat\.yaml: "catalog\.path" has an invalid reference "\$\{1X\}"/,
    );
  });

  test('keys and comments are not expanded', async () => {
    const dir = await project({
      'lifeboat.yaml': '# ${NOT_SET}\nconnections:\n  app: { url: "sqlite:a.db" } # ${NOT_SET}\n',
    });
    await expect(loadConfig({ cwd: dir, env: {} })).resolves.toBeDefined();
  });
});
