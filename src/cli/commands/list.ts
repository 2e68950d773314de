import { runList } from '../../jobs/list/list-job.js';
import { optionalDecryptKeys } from '../../jobs/shared/decrypt-keys.js';
import { isSealed, type StoredManifest } from '../../pipeline/age-manifest-stub.js';
import { formatBytes, formatCount } from '../../progress/format.js';
import { decryptKeysFrom, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';
import { table } from '../table.js';

/** `lifeboat list [connection]`: backups newest first, from the storages themselves. */
export default async function list(
  rt: CommandRuntime,
  connection: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const decrypt = await optionalDecryptKeys(
      () => decryptKeysFrom(rt, ctx, opts),
      opts.identity !== undefined || opts.passphraseEnv !== undefined,
      (message) => ctx.events({ type: 'warning', message }),
    );
    const { artifacts, problems } = await runList(ctx, {
      ...(typeof connection === 'string' ? { connection } : {}),
      ...(typeof opts.storage === 'string' ? { storage: opts.storage } : {}),
      decrypt,
    });
    ctx.close();
    if (rt.json) {
      rt.printJson({
        ok: true,
        artifacts: artifacts.map((a) => ({
          artifact: a.key,
          storage: a.storage,
          connection: a.manifest.connection.name,
          engine: isSealed(a.manifest) ? null : a.manifest.engine,
          createdAt: a.manifest.finishedAt,
          tag: a.manifest.tag,
          size: a.manifest.size,
          sha256: a.manifest.sha256,
          tables: tablesOf(a.manifest)?.length ?? null,
          rows: rowsOf(a.manifest),
          encrypted: Boolean(a.manifest.encryption),
          manifestSealed: isSealed(a.manifest),
          verified: a.verified,
        })),
        problems,
      });
      return 0;
    }
    problems.forEach((p) => rt.output.err.write(`warning: ${p.storage}:${p.key}: ${p.message}\n`));
    if (artifacts.length === 0) {
      rt.output.err.write('no backups found\n');
      return 0;
    }
    const rows = artifacts.map((a) => [
      a.key,
      a.storage,
      a.manifest.finishedAt.replace('T', ' ').slice(0, 19),
      formatBytes(a.manifest.size),
      // A sealed manifest listed without its key: the counts are inside the encrypted part.
      String(tablesOf(a.manifest)?.length ?? 'sealed'),
      isSealed(a.manifest) ? '-' : formatCount(rowsOf(a.manifest) ?? 0),
      a.verified ? `${a.verified.status}${a.verified.deep ? ' (deep)' : ''}` : '-',
    ]);
    rt.output.out.write(
      table(['ARTIFACT', 'STORAGE', 'CREATED (UTC)', 'SIZE', 'TABLES', 'ROWS', 'VERIFIED'], rows),
    );
    return 0;
  });
}

function tablesOf(manifest: StoredManifest): readonly unknown[] | null {
  return isSealed(manifest) ? null : manifest.tables;
}

function rowsOf(manifest: StoredManifest): number | null {
  return isSealed(manifest) ? null : manifest.tables.reduce((s, t) => s + t.rows, 0);
}
