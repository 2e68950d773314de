import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Catalog } from '../catalog/index.js';
import { loadConfig } from '../config/index.js';
import { resolveTarget } from '../engines/registry.js';
import { LifeboatError } from '../errors/index.js';
import { runBackup, type BackupResult } from '../jobs/backup/backup-job.js';
import type { EventSink } from '../progress/events.js';

/** What the demo did, for its summary. */
export interface DemoResult {
  readonly database: string;
  readonly databaseBytes: number;
  readonly tables: number;
  readonly rows: number;
  readonly backup: BackupResult;
}

/** The demo database is SQLite by default so that it needs no server. */
const DEMO_URL = 'sqlite:./app.db';

/**
 * `lifeboat demo`: builds a realistic app database in `dir`, backs it up with gzip and
 * deep-verifies the artifact (restore into a scratch database, compare every table). Uses a
 * config-free setup inside `dir`, so it never touches the user's own backups.
 */
export async function runDemo(options: {
  dir: string;
  scale: number;
  signal: AbortSignal;
  events: EventSink;
  /** Build the demo database here instead (a server database it replaces); SQLite by default. */
  url?: string;
  /** Replace a `url` database that already holds tables. */
  force?: boolean;
}): Promise<DemoResult> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const config = await loadConfig({ cwd: dir, env: {} });
  const url = options.url ?? DEMO_URL;
  const { engine, target } = resolveTarget(url, dir);
  if (!engine.createDemoDatabase) {
    throw new LifeboatError('USAGE', `there is no demo database for ${engine.name} yet`, {
      hint: 'leave out --url for the SQLite demo, or give a mysql:// URL',
    });
  }
  if (options.url !== undefined && options.force !== true) {
    // The demo replaces the database it is given: never someone's real one by a typo.
    const existing = await engine.describe(target, { signal: options.signal });
    if (existing !== null && existing.tables.length > 0) {
      throw new LifeboatError(
        'USAGE',
        `${target.display} already holds ${existing.tables.length} table(s); the demo would replace them`,
        { hint: 'name a database that does not exist yet, or add --force to replace it' },
      );
    }
  }
  options.events({
    type: 'phase',
    phase: 'demo',
    message: `creating demo database ${target.database}`,
  });
  const { tables, rows } = await engine.createDemoDatabase(target, { scale: options.scale });
  const catalog = Catalog.open(config.catalog.path);
  try {
    const ctx = { config, cwd: dir, catalog, signal: options.signal, events: options.events };
    const backup = await runBackup(ctx, { connection: url, compress: 'gzip', verify: 'deep' });
    const size =
      options.url === undefined
        ? statSync(target.database).size
        : ((await engine.describe(target, { signal: options.signal }))?.sizeBytes ?? 0);
    return {
      database: target.display,
      databaseBytes: size,
      tables,
      rows,
      backup,
    };
  } finally {
    catalog.close();
  }
}
