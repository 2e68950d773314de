import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { manifestFor, tempDir } from './fixtures.js';

let cleanup: () => Promise<void>;
let catalog: Catalog;

beforeEach(async () => {
  const temp = await tempDir();
  cleanup = temp.cleanup;
  catalog = Catalog.open(path.join(temp.dir, 'catalog.db'));
});
afterEach(async () => {
  catalog.close();
  await cleanup();
});

const keys = (query = {}): string[] => catalog.artifacts(query).map((a) => `${a.storage}/${a.key}`);

describe('artifacts', () => {
  it('caches a manifest with its facts, newest first, filtered by connection and storage', () => {
    const old = manifestFor('app_1.sql.gz', 'app', { finishedAt: '2026-11-20T02:00:00.000Z' });
    const recent = manifestFor('app_2.sql.gz', 'app', { tag: 'pre-migration', size: 99 });
    catalog.recordArtifact('local', 'app_1.sql.gz', old);
    catalog.recordArtifact('local', 'app_2.sql.gz', recent);
    catalog.recordArtifact('offsite', 'app/app_2.sql.gz', recent);
    catalog.recordArtifact('local', 'crm_1.sql.gz', manifestFor('crm_1.sql.gz', 'crm'));

    expect(catalog.artifacts({ storage: 'local', connection: 'app' })[0]).toEqual({
      storage: 'local',
      key: 'app_2.sql.gz',
      connection: 'app',
      engine: 'sqlite',
      createdAt: recent.finishedAt,
      size: 99,
      sha256: recent.sha256,
      tag: 'pre-migration',
      manifest: recent,
      lastVerifiedAt: null,
      lastVerifyStatus: null,
      lastVerifyDeep: null,
      lastVerifyDetail: null,
      restoreMs: null,
    });
    expect(keys({ connection: 'app' })).toEqual([
      'local/app_2.sql.gz',
      'offsite/app/app_2.sql.gz',
      'local/app_1.sql.gz',
    ]);
    expect(keys({ storage: 'offsite' })).toEqual(['offsite/app/app_2.sql.gz']);
    expect(keys()).toHaveLength(4);
  });

  it('records verifications and keeps the deep restore time across a shallow verify', () => {
    catalog.recordArtifact('local', 'a.sql', manifestFor('a.sql'));
    expect(
      catalog.recordVerification('local', 'a.sql', { status: 'ok', deep: true, restoreMs: 4200 }),
    ).toBe(true);
    expect(catalog.artifacts()[0]).toMatchObject({
      lastVerifyStatus: 'ok',
      lastVerifyDeep: true,
      restoreMs: 4200,
    });
    catalog.recordVerification('local', 'a.sql', {
      status: 'failed',
      deep: false,
      detail: 'sha256 differs',
    });
    const [after] = catalog.artifacts();
    expect(after).toMatchObject({
      lastVerifyStatus: 'failed',
      lastVerifyDeep: false,
      lastVerifyDetail: 'sha256 differs',
      restoreMs: 4200,
    });
    expect(after?.lastVerifiedAt).toMatch(/Z$/);
  });

  it('says when it does not know the artifact being verified', () => {
    expect(catalog.recordVerification('local', 'nope', { status: 'ok', deep: false })).toBe(false);
  });

  it('keeps verification facts on re-record only while the bytes are the same', () => {
    catalog.recordArtifact('local', 'a.sql', manifestFor('a.sql'));
    catalog.recordVerification('local', 'a.sql', { status: 'ok', deep: true, restoreMs: 10 });
    catalog.recordArtifact('local', 'a.sql', manifestFor('a.sql', 'app', { tag: 'renamed' }));
    expect(catalog.artifacts()[0]).toMatchObject({
      tag: 'renamed',
      lastVerifyStatus: 'ok',
      restoreMs: 10,
    });
    catalog.recordArtifact(
      'local',
      'a.sql',
      manifestFor('a.sql', 'app', { sha256: 'c'.repeat(64) }),
    );
    expect(catalog.artifacts()[0]).toMatchObject({
      sha256: 'c'.repeat(64),
      lastVerifiedAt: null,
      lastVerifyStatus: null,
      restoreMs: null,
    });
  });

  it('forgets one artifact', () => {
    catalog.recordArtifact('local', 'a.sql', manifestFor('a.sql'));
    expect(catalog.forgetArtifact('local', 'a.sql')).toBe(true);
    expect(catalog.forgetArtifact('local', 'a.sql')).toBe(false);
    expect(catalog.artifacts()).toEqual([]);
  });

  it('replaces a storage with what it holds, keeping verification of keys that remain', () => {
    catalog.recordArtifact('local', 'kept.sql', manifestFor('kept.sql'));
    catalog.recordArtifact('local', 'gone.sql', manifestFor('gone.sql'));
    catalog.recordArtifact('offsite', 'other.sql', manifestFor('other.sql'));
    catalog.recordVerification('local', 'kept.sql', { status: 'ok', deep: true, restoreMs: 77 });

    catalog.replaceArtifacts('local', [
      { key: 'kept.sql', manifest: manifestFor('kept.sql') },
      {
        key: 'new.sql',
        manifest: manifestFor('new.sql', 'app', { finishedAt: '2027-01-01T00:00:00.000Z' }),
      },
    ]);

    expect(keys()).toEqual(['local/new.sql', 'local/kept.sql', 'offsite/other.sql']);
    expect(catalog.artifacts({ storage: 'local' })[1]).toMatchObject({
      key: 'kept.sql',
      restoreMs: 77,
    });
    catalog.replaceArtifacts('local', []);
    expect(keys()).toEqual(['offsite/other.sql']);
  });
});
