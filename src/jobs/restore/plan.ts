import type { ConnectionTarget, Engine } from '../../engines/engine.js';
import { engineByName, resolveTarget } from '../../engines/registry.js';
import { LifeboatError } from '../../errors/index.js';
import { resolveConnection, type ConnectionSpec } from '../../config/index.js';
import type { JobContext } from '../context.js';
import type { LocatedArtifact } from '../shared/locate.js';

/** One table in a restore plan: what it holds now and what it will hold. */
export interface PlannedTable {
  readonly name: string;
  /** Rows now; null when the table does not exist in the target. */
  readonly rowsNow: number | null;
  /** Rows after the restore; null when the restore removes the table. */
  readonly rowsAfter: number | null;
  readonly action: 'replace' | 'create' | 'drop';
}

/** What a restore will do, shown by `--dry-run` and before the confirmation. */
export interface RestorePlan {
  readonly artifact: string;
  readonly storage: string;
  readonly connection: ConnectionSpec;
  readonly engine: Engine;
  readonly target: ConnectionTarget;
  readonly targetExists: boolean;
  readonly tables: readonly PlannedTable[];
  /**
   * Only these tables are touched, named as the manifest names them; undefined means the
   * whole database is replaced.
   */
  readonly only: readonly string[] | undefined;
}

/** Resolves where the artifact goes and what that changes, reading but never writing the target. */
export async function planRestore(
  ctx: JobContext,
  located: LocatedArtifact,
  options: { to?: string; tables?: readonly string[] },
): Promise<RestorePlan> {
  const manifest = located.manifest;
  const connectionRef = options.to ?? manifest?.connection.name;
  if (connectionRef === undefined) {
    throw new LifeboatError(
      'USAGE',
      `"${located.key}" has no manifest, so its source connection is unknown`,
      {
        hint: 'say where to restore it with --to <connection>',
      },
    );
  }
  let connection: ConnectionSpec;
  try {
    connection = resolveConnection(ctx.config, connectionRef);
  } catch (err) {
    // The original file database is known from the manifest even when it is not configured.
    if (
      options.to === undefined &&
      manifest &&
      engineByName(manifest.engine).capabilities.fileDatabase
    ) {
      connection = {
        name: manifest.connection.name,
        url: manifest.connection.display,
        protected: false,
      };
    } else {
      throw err;
    }
  }
  const { engine, target } = resolveTarget(
    connection.url,
    connection.baseDir ?? ctx.config.baseDir,
  );
  if (manifest && manifest.engine !== engine.name) {
    throw new LifeboatError(
      'WRONG_ENGINE',
      `artifact "${located.key}" is a ${manifest.engine} backup, "${connection.name}" is ${engine.name}`,
      {
        hint: 'restore it into a connection of the same engine with --to',
      },
    );
  }
  // As manifests name them (`public.users` is `users` in PostgreSQL's).
  const only = options.tables?.map((t) => engine.tableDisplayName?.(t) ?? t);
  if (manifest && only) {
    const known = new Set(manifest.tables.map((t) => t.name));
    const missing = only.find((t) => !known.has(t));
    if (missing !== undefined) {
      throw new LifeboatError(
        'TABLE_NOT_FOUND',
        `table "${missing}" is not in artifact "${located.key}"`,
        {
          hint: `tables in it: ${[...known].join(', ') || '(none)'}`,
        },
      );
    }
  }
  const now = await engine.describe(target, { signal: ctx.signal });
  const rowsNow = new Map((now?.tables ?? []).map((t) => [t.name, t.rows]));
  const tables: PlannedTable[] = [];
  const incoming = manifest?.tables ?? [];
  for (const t of incoming) {
    if (only && !only.includes(t.name)) continue;
    const before = rowsNow.get(t.name) ?? null;
    tables.push({
      name: t.name,
      rowsNow: before,
      rowsAfter: manifest?.scope.data === false ? 0 : t.rows,
      action: before === null ? 'create' : 'replace',
    });
  }
  if (!only && manifest) {
    for (const [name, rows] of rowsNow) {
      if (!incoming.some((t) => t.name === name))
        tables.push({ name, rowsNow: rows, rowsAfter: null, action: 'drop' });
    }
  }
  return {
    artifact: located.key,
    storage: located.storage.name,
    connection,
    engine,
    target,
    targetExists: now !== null,
    tables,
    only,
  };
}
