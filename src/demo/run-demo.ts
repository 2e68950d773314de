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

/** The demo database is SQLite so that it needs no server. */
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
}): Promise<DemoResult> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const config = await loadConfig({ cwd: dir, env: {} });
  const { engine, target } = resolveTarget(DEMO_URL, dir);
  if (!engine.createDemoDatabase) {
    throw new LifeboatError('INTERNAL', `engine "${engine.name}" cannot create the demo database`);
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
    const backup = await runBackup(ctx, { connection: DEMO_URL, compress: 'gzip', verify: 'deep' });
    return {
      database: target.database,
      databaseBytes: statSync(target.database).size,
      tables,
      rows,
      backup,
    };
  } finally {
    catalog.close();
  }
}
