import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { resolveStorages } from '../../config/index.js';
import { LifeboatError, isLifeboatError } from '../../errors/index.js';
import { noKeys, type DecryptKeys } from '../../pipeline/age-keys.js';
import { isSealed, type SealedManifest } from '../../pipeline/age-manifest-stub.js';
import { MANIFEST_SUFFIX, type Manifest } from '../../pipeline/manifest.js';
import { openStorage } from '../../storage/open-storage.js';
import { isNotExist, type ObjectInfo, type Storage } from '../../storage/storage.js';
import type { JobContext } from '../context.js';
import { allStorageNames, runList } from '../list/list-job.js';
import { readStoredManifest, unsealManifest } from './manifest-io.js';

/** An artifact found by name or path, with its manifest when it has one. */
export interface LocatedArtifact {
  readonly storage: Storage;
  readonly key: string;
  readonly object: ObjectInfo;
  readonly manifest: Manifest | null;
  /**
   * The public stub of a sealed manifest that could not be opened (no key), when the caller
   * asked for it with `acceptSealed`; `manifest` is null then.
   */
  readonly sealed?: SealedManifest;
}

/** Options of {@link locateArtifact}. */
export interface LocateOptions {
  /** Keys for a sealed manifest (`--encrypt-manifest`); KEY_REQUIRED without them. */
  readonly decrypt?: DecryptKeys | undefined;
  /** Without keys, return a sealed manifest's stub instead of failing with KEY_REQUIRED. */
  readonly acceptSealed?: boolean;
}

/**
 * Finds an artifact by file name in the configured storages, or by a path on disk (an
 * artifact copied elsewhere, or a plain dump made by the engine's own tool). A name that
 * matches nothing fails with the available names, newest first.
 */
export async function locateArtifact(
  ctx: JobContext,
  ref: string,
  options: LocateOptions = {},
): Promise<LocatedArtifact> {
  const name = ref.endsWith(MANIFEST_SUFFIX) ? ref.slice(0, -MANIFEST_SUFFIX.length) : ref;
  if (looksLikePath(name, ctx.cwd)) {
    const path = resolve(ctx.cwd, name);
    const storage = openStorage({ name: 'file', type: 'local', path: dirname(path) }, ctx.cwd);
    return found(storage, basename(path), ctx, ref, options);
  }
  for (const config of resolveStorages(ctx.config, allStorageNames(ctx))) {
    const storage = openStorage(config, ctx.config.baseDir);
    try {
      return await found(storage, name, ctx, ref, options);
    } catch (err) {
      if (!isLifeboatError(err, 'ARTIFACT_NOT_FOUND')) throw err;
    }
  }
  const { artifacts } = await runList(ctx);
  const names = artifacts.slice(0, 10).map((a) => a.key);
  throw new LifeboatError('ARTIFACT_NOT_FOUND', `no artifact named "${ref}"`, {
    hint: names.length
      ? `available (newest first): ${names.join(', ')}${artifacts.length > names.length ? ', …' : ''}`
      : 'there are no backups yet; run "lifeboat backup" first',
    details: { available: artifacts.map((a) => a.key) },
  });
}

async function found(
  storage: Storage,
  key: string,
  ctx: JobContext,
  ref: string,
  options: LocateOptions,
): Promise<LocatedArtifact> {
  let object: ObjectInfo;
  try {
    object = await storage.stat(key, { signal: ctx.signal });
  } catch (err) {
    if (isNotExist(err)) {
      throw new LifeboatError('ARTIFACT_NOT_FOUND', `no artifact "${ref}"`, {
        hint: 'check the path, or run "lifeboat list" to see the artifacts that exist',
        cause: err,
      });
    }
    throw err;
  }
  const stored = await readStoredManifest(storage, key, ctx.signal);
  if (stored === null || !isSealed(stored)) return { storage, key, object, manifest: stored };
  if (options.acceptSealed && noKeys(options.decrypt))
    return { storage, key, object, manifest: null, sealed: stored };
  const where = `${storage.name}:${key}${MANIFEST_SUFFIX}`;
  return { storage, key, object, manifest: await unsealManifest(stored, options.decrypt, where) };
}

function looksLikePath(ref: string, cwd: string): boolean {
  return isAbsolute(ref) || ref.includes('/') || ref.includes(sep) || existsSync(resolve(cwd, ref));
}
