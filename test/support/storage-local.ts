import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { LocalStorage } from '../../src/storage/local/local-storage.js';
import type { StorageUnderTest } from '../contract/storage.contract.js';

/** Every file under `dir`, dot files included, relative and sorted; [] if it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** A local storage under test, with its root directory. */
export interface LocalUnderTest extends StorageUnderTest {
  readonly storage: LocalStorage;
  readonly root: string;
  cleanup(): Promise<void>;
}

/** A LocalStorage over a fresh temp directory (whose root does not exist yet). */
export async function localStorageUnderTest(): Promise<LocalUnderTest> {
  const parent = await mkdtemp(join(tmpdir(), 'lifeboat-local-'));
  const root = join(parent, 'backups');
  return {
    root,
    storage: new LocalStorage({ name: 'local', path: root }),
    residue: () => filesUnder(root),
    cleanup: () => rm(parent, { recursive: true, force: true }),
  };
}
