import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { CATALOG_SCHEMA_VERSION } from '../../src/catalog/catalog-schema.js';
import { isLifeboatError } from '../../src/errors/index.js';
import { buildChildRuntime, startChild } from '../locks/support/child-runtime.js';
import { tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let catalog: Catalog;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  catalog = Catalog.open(path.join(dir, 'nested', 'deeper', 'catalog.db'));
});
afterEach(async () => {
  catalog.close();
  await cleanup();
});

describe('Catalog.open', () => {
  it('creates parent directories, uses WAL and records the schema version', () => {
    const raw = new Database(catalog.path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(CATALOG_SCHEMA_VERSION);
    raw.close();
  });

  it('reopens an existing catalog without migrating again', () => {
    const id = catalog.startOperation({ operation: 'backup' });
    catalog.close();
    catalog = Catalog.open(catalog.path);
    expect(catalog.history().map((op) => op.id)).toEqual([id]);
  });

  it('refuses a file that is not a catalog with a rebuild hint', async () => {
    const { writeFile } = await import('node:fs/promises');
    const bogus = path.join(dir, 'bogus.db');
    await writeFile(bogus, 'this is not sqlite'.repeat(100));
    expect(() => Catalog.open(bogus)).toThrow(/the file is damaged or not a catalog/);
  });

  it('refuses use after close, and closing twice is harmless', () => {
    catalog.close();
    catalog.close();
    let caught: unknown;
    try {
      catalog.history();
    } catch (err) {
      caught = err;
    }
    expect(isLifeboatError(caught, 'INTERNAL')).toBe(true);
    expect((caught as Error).message).toMatch(/was used after it was closed/);
  });
});

describe('operations', () => {
  it('records the lifecycle of an operation with who ran it', () => {
    const id = catalog.startOperation({
      operation: 'backup',
      connection: 'app',
      storage: 'local',
      details: { tables: 3, compress: 'gzip' },
    });
    const [running] = catalog.history();
    expect(running).toMatchObject({
      id,
      operation: 'backup',
      connection: 'app',
      storage: 'local',
      status: 'running',
      finishedAt: null,
      host: os.hostname(),
      pid: process.pid,
      error: null,
    });
    expect(running?.user).toBeTruthy();
    expect(running?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    catalog.finishOperation(id, {
      status: 'succeeded',
      artifact: 'app_2026.sql.gz',
      sizeBytes: 5_000_000_000,
      details: { compress: 'zstd', verified: true },
    });
    const [done] = catalog.history();
    expect(done).toMatchObject({
      status: 'succeeded',
      artifact: 'app_2026.sql.gz',
      sizeBytes: 5_000_000_000,
      details: { tables: 3, compress: 'zstd', verified: true },
    });
    expect(done?.finishedAt).not.toBeNull();
  });

  it('records the error of a failed operation', () => {
    const id = catalog.startOperation({
      operation: 'restore',
      connection: 'app',
      artifact: 'x.sql',
    });
    catalog.finishOperation(id, {
      status: 'failed',
      error: { code: 'RESTORE_FAILED', message: 'the restore failed' },
    });
    expect(catalog.history()[0]).toMatchObject({
      status: 'failed',
      artifact: 'x.sql',
      error: { code: 'RESTORE_FAILED', message: 'the restore failed' },
      details: null,
    });
  });

  it('refuses to finish an operation it does not know', () => {
    expect(() => catalog.finishOperation(999, { status: 'succeeded' })).toThrow(/no operation 999/);
  });

  it('lists newest first and filters by connection, operation and limit', () => {
    const ids = [
      catalog.startOperation({ operation: 'backup', connection: 'app' }),
      catalog.startOperation({ operation: 'verify', connection: 'app' }),
      catalog.startOperation({ operation: 'backup', connection: 'staging' }),
      catalog.startOperation({ operation: 'backup', connection: 'app' }),
    ];
    expect(catalog.history().map((op) => op.id)).toEqual([...ids].reverse());
    expect(catalog.history({ connection: 'app' }).map((op) => op.id)).toEqual([
      ids[3],
      ids[1],
      ids[0],
    ]);
    expect(catalog.history({ operation: 'backup', connection: 'app' }).map((op) => op.id)).toEqual([
      ids[3],
      ids[0],
    ]);
    expect(catalog.history({ limit: 2 }).map((op) => op.id)).toEqual([ids[3], ids[2]]);
  });

  it('marks a running operation of this pid but an earlier run as interrupted', () => {
    // In a container every run can be pid 1: the pid alone must not keep it "running".
    const id = catalog.startOperation({ operation: 'backup' });
    const raw = new Database(catalog.path);
    raw.prepare(`UPDATE operations SET run_id = 'an-earlier-run' WHERE id = ?`).run(id);
    raw.close();
    expect(catalog.history()[0]).toMatchObject({
      status: 'interrupted',
      error: { code: 'ABORTED' },
    });
  });
});

describe('operations of processes that died', () => {
  let runtime: string;
  beforeAll(async () => {
    runtime = await buildChildRuntime();
  });
  afterAll(async () => {
    const { rm } = await import('node:fs/promises');
    await rm(runtime, { recursive: true, force: true });
  });

  const startsAnOperation = `
    import { Catalog } from './src/catalog/catalog.js';
    const catalog = Catalog.open(process.argv[2]);
    const id = catalog.startOperation({ operation: 'backup', connection: 'app' });
    console.log('started ' + id);
    if (process.argv[3] === 'exit') process.exit(0);
    setInterval(() => {}, 1000);
  `;

  it('reports an operation whose process exited without finishing as interrupted', async () => {
    const child = await startChild(runtime, startsAnOperation, [catalog.path, 'exit']);
    await child.line(/^started/);
    expect(await child.exited).toBe(0);
    const [op] = catalog.history();
    expect(op).toMatchObject({ status: 'interrupted', pid: child.process.pid, finishedAt: null });
    expect(op?.error?.message).toBe(
      `process ${child.process.pid} ended without recording a result`,
    );
  });

  it('keeps a live process running and marks it interrupted once it is killed -9', async () => {
    const child = await startChild(runtime, startsAnOperation, [catalog.path, 'hold']);
    await child.line(/^started/);
    expect(catalog.history()[0]?.status).toBe('running');
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    expect(catalog.history()[0]?.status).toBe('interrupted');
    // The mark is stored, not only reported.
    const raw = new Database(catalog.path, { readonly: true });
    expect(raw.prepare('SELECT status FROM operations').pluck().get()).toBe('interrupted');
    raw.close();
  });
});
