import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { buildChildRuntime, startChild } from '../locks/support/child-runtime.js';
import { tempDir } from './fixtures.js';

let runtime: string;
beforeAll(async () => {
  runtime = await buildChildRuntime();
});
afterAll(async () => {
  await rm(runtime, { recursive: true, force: true });
});
let cleanup = async (): Promise<void> => {};
afterEach(() => cleanup());

// Each child opens the same new catalog (racing on its creation and migration), then writes as
// fast as it can: without WAL, busy_timeout and immediate transactions some writes would fail
// with SQLITE_BUSY.
const writer = `
  import { Catalog } from './src/catalog/catalog.js';
  const [file, name, count] = process.argv.slice(2);
  const catalog = Catalog.open(file);
  const manifest = { connection: { name }, engine: 'sqlite', finishedAt: new Date().toISOString(),
    size: 1, sha256: 'x', tag: null };
  for (let i = 0; i < Number(count); i++) {
    const id = catalog.startOperation({ operation: 'backup', connection: name });
    catalog.recordArtifact('local', name + '-' + i, manifest);
    catalog.recordVerification('local', name + '-' + i, { status: 'ok', deep: false });
    catalog.finishOperation(id, { status: 'succeeded', details: { i } });
    catalog.history({ limit: 5 });
  }
  catalog.close();
  console.log('done');
`;

it('lets two processes write to one catalog at once', async () => {
  const temp = await tempDir();
  cleanup = temp.cleanup;
  const dir = temp.dir;
  const file = path.join(dir, 'shared', 'catalog.db');
  const count = 150;
  const children = await Promise.all(
    ['one', 'two'].map((name) => startChild(runtime, writer, [file, name, String(count)])),
  );
  await Promise.all(children.map((child) => child.line(/^done$/)));
  expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0]);

  const catalog = Catalog.open(file);
  const ops = catalog.history({ limit: 1000 });
  expect(ops).toHaveLength(2 * count);
  expect(ops.every((op) => op.status === 'succeeded')).toBe(true);
  expect(catalog.artifacts({ connection: 'two' })).toHaveLength(count);
  catalog.close();
});
