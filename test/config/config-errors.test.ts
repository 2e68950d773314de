import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { errorOf, project } from './helpers.js';

/** The CONFIG_INVALID error loading `yaml` gives. */
async function failure(yaml: string, file = 'lifeboat.yaml') {
  const dir = await project({ [file]: yaml });
  return errorOf('CONFIG_INVALID', () => loadConfig({ cwd: dir, env: {} }));
}

describe('config errors name the file and the key path', () => {
  test('unknown storage type', async () => {
    const err = await failure('storage:\n  offsite: { type: ftp, path: /x }\n');
    expect(err.message).toBe(
      'lifeboat.yaml: "storage.offsite.type" must be one of local, s3, sftp, got "ftp"',
    );
    expect(err.details).toMatchObject({ key: 'storage.offsite.type' });
  });

  test('missing storage type', async () => {
    const err = await failure('storage:\n  offsite: { path: /x }\n');
    expect(err.message).toBe(
      'lifeboat.yaml: "storage.offsite.type" is required (one of local, s3, sftp)',
    );
  });

  test('misspelt key, with a suggestion and the allowed keys', async () => {
    const err = await failure('connections:\n  prod: { url: "sqlite:p.db", protect: true }\n');
    expect(err.message).toBe('lifeboat.yaml: unknown key "connections.prod.protect"');
    expect(err.hint).toBe(
      'did you mean "protected"? keys allowed in "connections.prod": url, protected',
    );
  });

  test('unknown top-level section', async () => {
    const err = await failure('backup_dir: ./backups\n');
    expect(err.message).toBe('lifeboat.yaml: unknown key "backup_dir"');
    expect(err.hint).toContain(
      'keys allowed at the top level: connections, storage, defaults, catalog, plans, notify',
    );
  });

  test('wrong type', async () => {
    const err = await failure('connections:\n  prod: { url: "sqlite:p.db", protected: "yes" }\n');
    expect(err.message).toBe(
      'lifeboat.yaml: "connections.prod.protected" must be true or false, got "yes"',
    );
  });

  test('missing required key', async () => {
    const err = await failure('connections:\n  prod: { protected: true }\n');
    expect(err.message).toBe('lifeboat.yaml: "connections.prod.url" is required');
  });

  test('a section that must be a mapping', async () => {
    const err = await failure('connections: [a, b]\n');
    expect(err.message).toBe('lifeboat.yaml: "connections" must be a mapping, got a list');
  });

  test('enum values', async () => {
    const err = await failure('defaults: { compress: zip }\n');
    expect(err.message).toBe(
      'lifeboat.yaml: "defaults.compress" must be one of gzip, zstd, none, got "zip"',
    );
  });

  test('number range', async () => {
    const err = await failure('defaults: { compress_level: 20 }\n');
    expect(err.message).toBe('lifeboat.yaml: "defaults.compress_level" must be at most 19, got 20');
  });

  test('names with characters that cannot go into file names', async () => {
    const err = await failure('connections:\n  "my app": { url: "sqlite:a.db" }\n');
    expect(err.message).toBe(
      'lifeboat.yaml: "connections.my app" is not a valid name: must contain only letters, digits, "_" and "-"',
    );
  });

  test('list items are named by index', async () => {
    const err = await failure(
      'notify:\n  - { type: slack, webhook: "https://x" }\n  - { type: pager }\n',
    );
    expect(err.message).toBe(
      'lifeboat.yaml: "notify[1].type" must be one of slack, email, webhook, got "pager"',
    );
  });

  test('plan fields', async () => {
    const base =
      'connections: { app: { url: "sqlite:a.db" } }\nplans:\n  nightly:\n    connection: app\n';
    expect((await failure(`${base}    verify: always\n`)).message).toBe(
      'lifeboat.yaml: "plans.nightly.verify" must be true, false or "deep"',
    );
    expect((await failure(`${base}    schedule: "at two"\n`)).message).toBe(
      'lifeboat.yaml: "plans.nightly.schedule" must be a cron expression such as "0 2 * * *" or "@daily"',
    );
    expect((await failure(`${base}    retention: { daily: -1 }\n`)).message).toBe(
      'lifeboat.yaml: "plans.nightly.retention.daily" must be at least 0, got -1',
    );
  });

  test('the message uses the file name that was loaded', async () => {
    const err = await failure('defaults: { compress: zip }\n', 'lifeboat.yml');
    expect(err.message.startsWith('lifeboat.yml: ')).toBe(true);
  });
});

describe('references are checked', () => {
  const conns = 'connections: { app: { url: "sqlite:a.db" }, prod: { url: "sqlite:p.db" } }\n';
  const stores =
    'storage: { local: { type: local, path: ./b }, offsite: { type: local, path: /o } }\n';

  test('a plan naming an unknown connection', async () => {
    const err = await failure(`${conns}${stores}plans: { nightly: { connection: ap } }\n`);
    expect(err.message).toBe(
      'lifeboat.yaml: "plans.nightly.connection" refers to connection "ap", which is not defined',
    );
    expect(err.hint).toBe('did you mean "app"? defined connections: app, prod');
  });

  test('a plan naming an unknown storage', async () => {
    const err = await failure(
      `${conns}${stores}plans: { nightly: { connection: app, to: [local, ofsite] } }\n`,
    );
    expect(err.message).toBe(
      'lifeboat.yaml: "plans.nightly.to[1]" refers to storage "ofsite", which is not defined',
    );
    expect(err.hint).toBe('did you mean "offsite"? defined storages: local, offsite');
  });

  test('defaults.storage naming an unknown storage', async () => {
    const err = await failure(`${stores}defaults: { storage: [s3] }\n`);
    expect(err.message).toBe(
      'lifeboat.yaml: "defaults.storage[0]" refers to storage "s3", which is not defined',
    );
  });

  test('several storages, none named local, and no defaults.storage', async () => {
    const err = await failure(
      'storage: { a: { type: local, path: /a }, b: { type: local, path: /b } }\n',
    );
    expect(err.message).toBe(
      'lifeboat.yaml: "defaults.storage" is required when there are several storages and none is named "local"',
    );
  });

  test('an empty storage section', async () => {
    const err = await failure('storage: {}\n');
    expect(err.message).toBe('lifeboat.yaml: "storage" must define at least one storage');
  });
});

describe('YAML syntax errors', () => {
  test('report line and column', async () => {
    const err = await failure('connections:\n  app: { url: "sqlite:a.db" }\n storage: {}\n');
    expect(err.message).toMatch(/^lifeboat\.yaml: invalid YAML at line 3, column \d+: /);
    expect(err.details).toMatchObject({ line: 3 });
  });

  test('duplicate keys are errors, not last-one-wins', async () => {
    const err = await failure(
      'connections:\n  app: { url: "sqlite:a.db" }\n  app: { url: "sqlite:b.db" }\n',
    );
    expect(err.message).toBe(
      'lifeboat.yaml: invalid YAML at line 3, column 3: Map keys must be unique',
    );
  });

  test('a document that is not a mapping', async () => {
    const err = await failure('- a\n- b\n');
    expect(err.message).toBe(
      'lifeboat.yaml: must be a mapping of sections (connections, storage, ...), not a list',
    );
  });
});
