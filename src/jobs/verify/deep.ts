import type {
  DumpSession,
  DumpWriter,
  Engine,
  MeasureOptions,
  TableSummary,
} from '../../engines/engine.js';
import type { Manifest } from '../../pipeline/manifest.js';
import type { JobContext } from '../context.js';
import { siblingTarget } from '../shared/targets.js';
import type { ConnectionSpec } from '../../config/index.js';

/**
 * What a scratch restore measured, or why the artifact did not restore. Failures to set up
 * the scratch database are thrown instead: they say nothing about the artifact.
 */
export type ScratchRestore =
  | {
      readonly ok: true;
      readonly tables: readonly TableSummary[];
      /** How long the artifact's own restore took: what a real restore would take. */
      readonly restoreMs: number;
    }
  | { readonly ok: false; readonly error: unknown };

/**
 * Restores `sql` into a fresh scratch database next to the artifact's source and drops it
 * afterwards, whatever happens. A data-only artifact has no schema of its own, so the scratch
 * first gets the current schema of its connection (read from one snapshot of the source).
 * `measure` hears the artifact's restore measuring its tables (the schema's restore is silent).
 */
export async function restoreIntoScratch(
  ctx: JobContext,
  engine: Engine,
  manifest: Manifest,
  sql: AsyncIterable<Buffer>,
  connection: ConnectionSpec | undefined,
  measure: MeasureOptions = {},
): Promise<ScratchRestore> {
  const near = siblingTarget(ctx, manifest, engine, connection);
  const options = { signal: ctx.signal };
  await engine.cleanupStaleScratch(near, options);
  const scratch = await engine.createScratch(near, options);
  try {
    if (!manifest.scope.schema) {
      const schema = await schemaOf(engine, near, manifest, ctx.signal);
      await engine.restore(scratch.target, once(Buffer.from(schema, 'utf8')), options);
    }
    const t0 = performance.now();
    try {
      const result = await engine.restore(scratch.target, sql, {
        ...options,
        ...measure,
        checksumAlgorithm: manifest.checksumAlgorithm,
        freshTarget: manifest.scope.schema,
        readBack: true,
      });
      return { ok: true, tables: result.tables, restoreMs: Math.round(performance.now() - t0) };
    } catch (error) {
      return { ok: false, error };
    }
  } finally {
    await scratch.drop();
  }
}

/** The schema-only dump of the artifact's tables, as they are now in the source. */
async function schemaOf(
  engine: Engine,
  source: ReturnType<typeof siblingTarget>,
  manifest: Manifest,
  signal: AbortSignal,
): Promise<string> {
  const tables = manifest.tables.map((t) => t.name);
  const session = await engine.openDump(source, { schema: true, data: false, tables }, { signal });
  const parts: Buffer[] = [];
  await writeWholeDump(session, {
    write: async (text) => void parts.push(Buffer.isBuffer(text) ? text : Buffer.from(text)),
  });
  return Buffer.concat(parts).toString('utf8');
}

/** Writes every phase of `session` to `out`, in order, and closes it (also after a failure). */
export async function writeWholeDump(session: DumpSession, out: DumpWriter): Promise<void> {
  try {
    await session.writeHeader(out);
    await session.writeSchema(out);
    for (const table of session.tables) await session.writeTableData(table, out, () => undefined);
    await session.writePostData(out);
    await session.writeFooter(out);
  } finally {
    await session.close();
  }
}

async function* once(chunk: Buffer): AsyncGenerator<Buffer> {
  yield chunk;
}
