import type { DatabaseMaintenance } from '../engine.js';

/**
 * A {@link DatabaseMaintenance} whose implementation is imported on first use, like the rest of
 * an engine's work (see the engines' `*-engine.ts`): a command that never maintains a
 * database does not load that code.
 */
export function lazyMaintenance(load: () => Promise<DatabaseMaintenance>): DatabaseMaintenance {
  return {
    info: async (target, options) => (await load()).info(target, options),
    optimize: async (target, options) => (await load()).optimize(target, options),
    check: async (target, options) => (await load()).check(target, options),
    repair: async (target, options) => (await load()).repair(target, options),
  };
}
