import { resolveStorages } from '../../config/index.js';
import { isLifeboatError } from '../../errors/index.js';
import { noKeys, type DecryptKeys } from '../../pipeline/age-keys.js';
import { isSealed, type StoredManifest } from '../../pipeline/age-manifest-stub.js';
import { MANIFEST_SUFFIX } from '../../pipeline/manifest.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage } from '../../storage/storage.js';
import type { JobContext } from '../context.js';
import { readStoredManifest, unsealManifest } from '../shared/manifest-io.js';

/** One backup as `list` shows it. */
export interface ListedArtifact {
  readonly storage: string;
  readonly key: string;
  /**
   * The manifest; for `--encrypt-manifest` backups listed without a key that opens it and not
   * known in full to the catalog, only its public stub (see {@link isSealed}).
   */
  readonly manifest: StoredManifest;
  /** Last verification recorded in the catalog, if any. */
  readonly verified: {
    readonly at: string;
    readonly status: string;
    readonly deep: boolean;
  } | null;
}

/** A stored object whose manifest could not be read: listed as a problem, never as a backup. */
export interface ListProblem {
  readonly storage: string;
  readonly key: string;
  readonly message: string;
}

/** Options of `lifeboat list`. */
export interface ListOptions {
  readonly connection?: string;
  readonly storage?: string;
  /** Keys to open sealed manifests with; without them those list from their public stub. */
  readonly decrypt?: DecryptKeys | undefined;
}

/**
 * Lists backups from the storages themselves (the source of truth), newest first. Only
 * artifacts whose manifest exists and parses count; the catalog is refreshed from what was
 * found, so `list` works with a deleted catalog.
 */
export async function runList(
  ctx: JobContext,
  options: ListOptions = {},
): Promise<{ artifacts: ListedArtifact[]; problems: ListProblem[] }> {
  const storages = resolveStorages(
    ctx.config,
    options.storage ? [options.storage] : allStorageNames(ctx),
  ).map((s) => openStorage(s, ctx.config.baseDir));
  const artifacts: ListedArtifact[] = [];
  const problems: ListProblem[] = [];
  for (const storage of storages) {
    for (const found of await scanStorage(storage, ctx.signal, options.decrypt)) {
      if ('message' in found) {
        problems.push(found);
        continue;
      }
      if (options.connection && found.manifest.connection.name !== options.connection) continue;
      ctx.catalog.recordArtifact(storage.name, found.key, found.manifest);
      const record = ctx.catalog
        .artifacts({ storage: storage.name })
        .find((a) => a.key === found.key);
      const verified =
        record?.lastVerifiedAt && record.lastVerifyStatus
          ? {
              at: record.lastVerifiedAt,
              status: record.lastVerifyStatus,
              deep: record.lastVerifyDeep ?? false,
            }
          : null;
      // A sealed manifest this catalog already knows in full (this host wrote the backup, or a
      // keyed command read it) lists in full: the catalog keeps it only for the same bytes.
      const known = record && !isSealed(record.manifest) ? record.manifest : undefined;
      const manifest = isSealed(found.manifest) && known ? known : found.manifest;
      artifacts.push({ storage: storage.name, key: found.key, manifest, verified });
    }
  }
  artifacts.sort((a, b) => b.manifest.finishedAt.localeCompare(a.manifest.finishedAt));
  return { artifacts, problems };
}

/** Every configured storage name. */
export function allStorageNames(ctx: JobContext): string[] {
  return Object.keys(ctx.config.storage);
}

/** One artifact found in a storage, with its manifest as far as it could be read. */
export interface ScannedArtifact {
  readonly storage: string;
  readonly key: string;
  readonly manifest: StoredManifest;
}

/**
 * Reads every manifest in one storage. Sealed manifests are opened with `keys` when one of them
 * fits; otherwise their public stub stands in, which is all `list` and `prune` need.
 */
export async function scanStorage(
  storage: Storage,
  signal: AbortSignal,
  decrypt?: DecryptKeys,
): Promise<(ScannedArtifact | ListProblem)[]> {
  const keys = new Set<string>();
  const manifests: string[] = [];
  for await (const object of storage.list('', { signal })) {
    if (object.key.endsWith(MANIFEST_SUFFIX))
      manifests.push(object.key.slice(0, -MANIFEST_SUFFIX.length));
    else keys.add(object.key);
  }
  const out: (ScannedArtifact | ListProblem)[] = [];
  for (const key of manifests) {
    if (!keys.has(key)) {
      out.push({ storage: storage.name, key, message: 'manifest without its artifact' });
      continue;
    }
    try {
      const manifest = await readStoredManifest(storage, key, signal);
      if (manifest) out.push({ storage: storage.name, key, manifest: await opened(manifest, key) });
    } catch (err) {
      out.push({
        storage: storage.name,
        key,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return out;

  async function opened(manifest: StoredManifest, key: string): Promise<StoredManifest> {
    if (!isSealed(manifest) || noKeys(decrypt)) return manifest;
    const where = `${storage.name}:${key}${MANIFEST_SUFFIX}`;
    try {
      return await unsealManifest(manifest, decrypt, where);
    } catch (err) {
      // Backups encrypted to other recipients list as they would without a key.
      if (isLifeboatError(err, 'DECRYPT_FAILED')) return manifest;
      throw err;
    }
  }
}
