import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { errorOf, project } from './helpers.js';

const FULL = `
connections:
  app: { url: "sqlite:./app.db" }
  prod: { url: "postgres://u:p@db/shop", protected: true }
storage:
  local: { type: local, path: ./backups }
  archive: { type: local, path: /srv/archive }
defaults: { storage: [local, archive], compress: none, compress_level: 3 }
catalog: { path: state/catalog.db }
plans:
  nightly:
    connection: app
    schedule: "0 2 * * *"
    verify: deep
    encrypt: { recipients: ["age1abc"] }
    retention: { daily: 7, weekly: 4, monthly: 12, yearly: 3 }
  weekly:
    connection: prod
    to: archive
    compress: gzip
notify:
  - { type: slack, webhook: "https://hooks.example/x", on: [failure] }
  - { type: email, to: ops@example.com, smtp: "smtp://mail", on: [failure, success] }
`;

describe('loadConfig', () => {
  test('loads a full file, applying defaults and resolving paths against its directory', async () => {
    const dir = await project({ 'lifeboat.yaml': FULL });
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.configPath).toBe(join(dir, 'lifeboat.yaml'));
    expect(config.baseDir).toBe(dir);
    expect(config.connections.prod).toEqual({
      name: 'prod',
      url: 'postgres://u:p@db/shop',
      protected: true,
      source: 'file',
    });
    expect(config.connections.app!.protected).toBe(false);
    expect(config.storage.local).toEqual({
      name: 'local',
      type: 'local',
      path: join(dir, 'backups'),
    });
    expect(config.storage.archive).toMatchObject({ path: '/srv/archive' });
    expect(config.defaults).toEqual({
      storage: ['local', 'archive'],
      compress: 'none',
      compressLevel: 3,
    });
    expect(config.catalog.path).toBe(join(dir, 'state/catalog.db'));
    expect(config.plans.nightly).toEqual({
      name: 'nightly',
      connection: 'app',
      to: ['local', 'archive'],
      schedule: '0 2 * * *',
      compress: 'none',
      compressLevel: 3,
      verify: 'deep',
      encrypt: { recipients: ['age1abc'] },
      retention: { daily: 7, weekly: 4, monthly: 12, yearly: 3 },
    });
    expect(config.plans.weekly).toMatchObject({ to: ['archive'], compress: 'gzip', verify: false });
    expect(config.plans.weekly!.compressLevel).toBeUndefined();
    expect(config.notify).toEqual([
      { type: 'slack', webhook: 'https://hooks.example/x', on: ['failure'] },
      { type: 'email', to: ['ops@example.com'], smtp: 'smtp://mail', on: ['failure', 'success'] },
    ]);
    expect(config.warnings).toEqual([]);
  });

  test('without a config file, backups go to ./backups and the catalog to ./.lifeboat', async () => {
    const dir = await project();
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.configPath).toBeUndefined();
    expect(config.baseDir).toBe(dir);
    expect(config.connections).toEqual({});
    expect(config.storage).toEqual({
      local: { name: 'local', type: 'local', path: join(dir, 'backups') },
    });
    expect(config.defaults).toEqual({ storage: ['local'], compress: 'gzip' });
    expect(config.catalog.path).toBe(join(dir, '.lifeboat/catalog.db'));
  });

  test('an empty file means all defaults', async () => {
    const dir = await project({ 'lifeboat.yaml': '# nothing yet\n' });
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.storage.local).toMatchObject({ path: join(dir, 'backups') });
  });

  test('finds lifeboat.yml too', async () => {
    const dir = await project({ 'lifeboat.yml': 'connections: { a: { url: "sqlite:a.db" } }\n' });
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.configPath).toBe(join(dir, 'lifeboat.yml'));
  });

  test('--config and LIFEBOAT_CONFIG name a file elsewhere; its directory is the base', async () => {
    const dir = await project({
      'ops/lb.yaml': 'storage: { local: { type: local, path: ./out } }\n',
    });
    const byFlag = await loadConfig({ cwd: dir, configPath: 'ops/lb.yaml', env: {} });
    expect(byFlag.baseDir).toBe(join(dir, 'ops'));
    expect(byFlag.cwd).toBe(dir);
    expect(byFlag.storage.local).toMatchObject({ path: join(dir, 'ops/out') });
    const byEnv = await loadConfig({
      cwd: dir,
      env: { LIFEBOAT_CONFIG: join(dir, 'ops/lb.yaml') },
    });
    expect(byEnv.configPath).toBe(join(dir, 'ops/lb.yaml'));
  });

  test('an explicit config path that does not exist is an error, not defaults', async () => {
    const dir = await project();
    const err = await errorOf('CONFIG_INVALID', () =>
      loadConfig({ cwd: dir, configPath: 'nope.yaml', env: {} }),
    );
    expect(err.message).toBe(`config file "${join(dir, 'nope.yaml')}" does not exist`);
    expect(err.hint).toContain('--config');
  });

  test('with one storage not named local, it is the default', async () => {
    const dir = await project({
      'lifeboat.yaml': 'storage: { disk: { type: local, path: /d } }\n',
    });
    expect((await loadConfig({ cwd: dir, env: {} })).defaults.storage).toEqual(['disk']);
  });

  test('anchors and merge keys let plans share settings', async () => {
    const yaml = [
      'connections: { app: { url: "sqlite:a.db" } }',
      'plans:',
      '  nightly: &base { connection: app, verify: deep, schedule: "0 2 * * *" }',
      '  hourly: { <<: *base, schedule: "@hourly" }',
    ].join('\n');
    const config = await loadConfig({ cwd: await project({ 'lifeboat.yaml': yaml }), env: {} });
    expect(config.plans.hourly).toMatchObject({
      connection: 'app',
      verify: 'deep',
      schedule: '@hourly',
    });
  });
});
