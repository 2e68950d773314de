import { resolveStorages } from '../../config/index.js';
import { MANIFEST_SUFFIX, type Manifest } from '../../pipeline/manifest.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage } from '../../storage/storage.js';
import type { JobContext } from '../context.js';
import { readManifest } from '../shared/manifest-io.js';

/** One backup as `list` shows it. */
export interface ListedArtifact {
  readonly storage: string;
  readonly key: string;
  readonly manifest: Manifest;
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
    for (const found of await scanStorage(storage, ctx.signal)) {
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
      artifacts.push({ storage: storage.name, key: found.key, manifest: found.manifest, verified });
    }
  }
  artifacts.sort((a, b) => b.manifest.finishedAt.localeCompare(a.manifest.finishedAt));
  return { artifacts, problems };
}

/** Every configured storage name. */
export function allStorageNames(ctx: JobContext): string[] {
  return Object.keys(ctx.config.storage);
}

/** Reads every manifest in one storage. */
export async function scanStorage(
  storage: Storage,
  signal: AbortSignal,
): Promise<({ storage: string; key: string; manifest: Manifest } | ListProblem)[]> {
  const keys = new Set<string>();
  const manifests: string[] = [];
  for await (const object of storage.list('', { signal })) {
    if (object.key.endsWith(MANIFEST_SUFFIX))
      manifests.push(object.key.slice(0, -MANIFEST_SUFFIX.length));
    else keys.add(object.key);
  }
  const out: ({ storage: string; key: string; manifest: Manifest } | ListProblem)[] = [];
  for (const key of manifests) {
    if (!keys.has(key)) {
      out.push({ storage: storage.name, key, message: 'manifest without its artifact' });
      continue;
    }
    try {
      const manifest = await readManifest(storage, key, signal);
      if (manifest) out.push({ storage: storage.name, key, manifest });
    } catch (err) {
      out.push({
        storage: storage.name,
        key,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return out;
}
