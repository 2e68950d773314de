import { LifeboatError } from '../errors/index.js';
import { didYouMean } from './suggest.js';
import type { ResolvedConfig, StorageConfig } from './types.js';

/**
 * The storages a command writes to or reads from (`--to local,offsite`), in the order given
 * and without duplicates; `defaults.storage` when none are named. Paths are absolute.
 */
export function resolveStorages(
  config: ResolvedConfig,
  names?: readonly string[],
): StorageConfig[] {
  const wanted = names === undefined || names.length === 0 ? config.defaults.storage : names;
  const defined = Object.keys(config.storage);
  return [...new Set(wanted.map((n) => n.trim()))].map((name) => {
    const storage = config.storage[name];
    if (storage !== undefined) return storage;
    throw new LifeboatError('STORAGE_NOT_FOUND', `unknown storage "${name}"`, {
      hint: `${didYouMean(name, defined)}configured storages: ${defined.join(', ')}`,
      details: { name, available: defined },
    });
  });
}
