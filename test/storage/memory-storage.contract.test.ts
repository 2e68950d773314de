import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { runStorageContract } from '../contract/storage.contract.js';
import { keysOf } from '../support/storage-bodies.js';

runStorageContract('memory', async () => {
  const storage = new MemoryStorage({ name: 'mem' });
  // A memory storage holds nothing but its visible objects.
  return { storage, residue: () => keysOf(storage.list('')) };
});

runStorageContract('faulty wrapper without faults', async () => {
  const { FaultyStorage } = await import('../../src/storage/wrappers/faulty-storage.js');
  const inner = new MemoryStorage({ name: 'mem' });
  return { storage: new FaultyStorage(inner, {}), residue: () => keysOf(inner.list('')) };
});
