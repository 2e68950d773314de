import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  loadConfig,
  renderInitConfig,
  resolveConnection,
  writeInitConfig,
} from '../../src/config/index.js';
import { errorOf, project } from './helpers.js';

/** Renders for `env`, writes it into a project with `dotenv`, and loads it back. */
async function roundTrip(env: Record<string, string>, dotenv = '') {
  const text = renderInitConfig({ env });
  const dir = await project({ 'lifeboat.yaml': text, '.env': dotenv });
  return { text, config: await loadConfig({ cwd: dir, env }) };
}

describe('renderInitConfig', () => {
  test('without database variables: a sqlite example that loads', async () => {
    const { text, config } = await roundTrip({});
    expect(text).toContain('${DATABASE_URL:-sqlite:./database.sqlite}');
    expect(resolveConnection(config)).toMatchObject({
      name: 'app',
      url: 'sqlite:./database.sqlite',
    });
    expect(config.defaults).toEqual({ storage: ['local'], compress: 'gzip' });
  });

  test('with DATABASE_URL: references it, never copies it', async () => {
    const url = 'postgres://u:s3cret@h/db';
    const { text, config } = await roundTrip({ DATABASE_URL: url });
    expect(text).toContain('app: { url: "${DATABASE_URL}" }');
    expect(text).not.toContain('s3cret');
    expect(resolveConnection(config).url).toBe(url);
  });

  test('with DB_* variables: relies on the encoded default connection', async () => {
    const dotenv = 'DB_CONNECTION=mysql\nDB_DATABASE=app\nDB_USERNAME=u\nDB_PASSWORD=p@ss/word\n';
    const env = {
      DB_CONNECTION: 'mysql',
      DB_DATABASE: 'app',
      DB_USERNAME: 'u',
      DB_PASSWORD: 'p@ss/word',
    };
    const { text, config } = await roundTrip(env, dotenv);
    expect(text).not.toContain('p@ss/word');
    expect(text).toContain('mysql://u:***@127.0.0.1:3306/app');
    expect(resolveConnection(config)).toMatchObject({
      name: 'default',
      url: 'mysql://u:p%40ss%2Fword@127.0.0.1:3306/app',
    });
  });

  test('every uncommented example in the comments is valid too', async () => {
    const text = renderInitConfig({ env: {} })
      .replace(/^# (plans|notify):/gm, '$1:')
      .replace(/^#( {3}.*)$/gm, '$1')
      .replace(/ {5}# encrypt/, '     encrypt');
    const dir = await project({ 'lifeboat.yaml': text });
    const config = await loadConfig({
      cwd: dir,
      env: { SLACK_WEBHOOK: 'https://x', SMTP_URL: 'smtp://m' },
    });
    expect(config.plans.nightly).toMatchObject({
      connection: 'app',
      verify: 'deep',
      encrypt: { recipients: ['age1...'] },
    });
    expect(config.notify).toHaveLength(2);
  });
});

describe('writeInitConfig', () => {
  test('writes lifeboat.yaml from .env in cwd and leaves no temporary file', async () => {
    const dir = await project({ '.env': 'DATABASE_URL=sqlite:./app.db\n' });
    const path = await writeInitConfig({ cwd: dir, env: {} });
    expect(path).toBe(join(dir, 'lifeboat.yaml'));
    expect(await readFile(path, 'utf8')).toContain('${DATABASE_URL}');
    expect((await readdir(dir)).sort()).toEqual(['.env', 'lifeboat.yaml']);
    expect(resolveConnection(await loadConfig({ cwd: dir, env: {} })).url).toBe('sqlite:./app.db');
  });

  test('refuses to overwrite lifeboat.yaml or lifeboat.yml', async () => {
    for (const name of ['lifeboat.yaml', 'lifeboat.yml']) {
      const dir = await project({ [name]: 'mine: true\n' });
      const err = await errorOf('CONFIG_EXISTS', () => writeInitConfig({ cwd: dir, env: {} }));
      expect(err.message).toBe(`"${join(dir, name)}" already exists`);
      expect(err.hint).toContain('--force');
      expect(await readFile(join(dir, name), 'utf8')).toBe('mine: true\n');
    }
  });

  test('--force replaces it', async () => {
    const dir = await project({ 'lifeboat.yaml': 'mine: true\n' });
    await writeInitConfig({ cwd: dir, force: true, env: {} });
    expect(await readFile(join(dir, 'lifeboat.yaml'), 'utf8')).toContain('storage:');
  });
});
