import type { ConnectionTarget, EngineCallOptions } from '../engine.js';
import { rowsOf, withClient } from './postgres-connect.js';
import { withDatabase } from './postgres-url.js';

/**
 * The databases a plan's `databases: all` backs up: every database that accepts connections,
 * without templates and without lifeboat's own scratch databases.
 */
export async function listPostgresDatabases(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<readonly { readonly name: string; readonly url: string }[]> {
  const names = await withClient(target, 'listing databases on', options.signal, (client) =>
    rowsOf<{ datname: string }>(
      client,
      `SELECT datname FROM pg_catalog.pg_database
        WHERE datallowconn AND NOT datistemplate AND datname NOT LIKE 'lifeboat\\_%'
        ORDER BY datname`,
    ),
  );
  return names.map(({ datname }) => ({ name: datname, url: withDatabase(target, datname).url }));
}
