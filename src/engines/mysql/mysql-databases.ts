import type { ConnectionTarget, EngineCallOptions } from '../engine.js';
import { MysqlSession } from './mysql-connect.js';
import { withDatabase } from './mysql-url.js';

/** Schemas every server has that are not the user's data. */
const SYSTEM = new Set(['information_schema', 'performance_schema', 'mysql', 'sys']);

/**
 * The databases a plan's `databases: all` backs up: every schema except the server's own and
 * lifeboat's scratch databases.
 */
export async function listMysqlDatabases(
  target: ConnectionTarget,
  options: EngineCallOptions,
): Promise<readonly { readonly name: string; readonly url: string }[]> {
  const session = await MysqlSession.open(target, {
    signal: options.signal,
    database: null,
    action: 'listing databases on',
  });
  try {
    const rows = await session.query('SHOW DATABASES');
    return rows
      .map((row) => String(Object.values(row)[0]))
      .filter((name) => !SYSTEM.has(name.toLowerCase()) && !name.startsWith('lifeboat_'))
      .sort()
      .map((name) => ({ name, url: withDatabase(target, name).url }));
  } finally {
    await session.close();
  }
}
