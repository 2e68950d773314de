import { resolveStorages } from '../../config/index.js';
import { scanStorage } from '../../jobs/list/list-job.js';
import { optionalDecryptKeys } from '../../jobs/shared/decrypt-keys.js';
import { openStorage } from '../../storage/open-storage.js';
import { decryptKeysFrom, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/** `lifeboat catalog rebuild`: the storages are the truth; the catalog is refilled from their manifests. */
export default async function rebuild(
  rt: CommandRuntime,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    // With a key, sealed manifests (--encrypt-manifest) go into the catalog whole.
    const decrypt = await optionalDecryptKeys(
      () => decryptKeysFrom(rt, ctx, opts),
      opts.identity !== undefined || opts.passphraseEnv !== undefined,
      (message) => ctx.events({ type: 'warning', message }),
    );
    const summary: { storage: string; artifacts: number; problems: number }[] = [];
    for (const config of resolveStorages(ctx.config, Object.keys(ctx.config.storage))) {
      const storage = openStorage(config, ctx.config.baseDir);
      const found = await scanStorage(storage, ctx.signal, decrypt);
      const good = found.flatMap((f) =>
        'manifest' in f ? [{ key: f.key, manifest: f.manifest }] : [],
      );
      ctx.catalog.replaceArtifacts(storage.name, good);
      summary.push({
        storage: storage.name,
        artifacts: good.length,
        problems: found.length - good.length,
      });
    }
    ctx.close();
    if (rt.json) rt.printJson({ ok: true, storages: summary });
    else
      for (const s of summary)
        rt.output.out.write(
          `${s.storage}: ${s.artifacts} artifacts${s.problems ? `, ${s.problems} unreadable` : ''}\n`,
        );
    return 0;
  });
}
