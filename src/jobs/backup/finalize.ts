import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { TableSummary } from '../../engines/engine.js';
import {
  MANIFEST_SUFFIX,
  MANIFEST_VERSION,
  manifestScope,
  type ContentDigest,
  type Manifest,
  type StageResult,
} from '../../pipeline/manifest.js';
import type { Storage } from '../../storage/storage.js';
import type { Catalog } from '../../catalog/index.js';
import type { EncryptionSpec } from '../../pipeline/age-keys.js';
import { sealManifest } from '../../pipeline/age-manifest.js';
import { toLifeboatError, type LifeboatError } from '../../errors/index.js';
import type { StoreOutcome } from './store.js';
import { LIFEBOAT_VERSION } from '../../version.js';
import type { BackupPlan } from './plan.js';

/** Facts gathered while the backup ran, turned into the manifest. */
export interface BackupFacts {
  readonly artifact: string;
  readonly serverVersion: string;
  readonly checksumAlgorithm: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly tables: readonly TableSummary[];
  readonly stages: readonly StageResult[];
  readonly content: ContentDigest;
  readonly stored: { readonly size: number; readonly sha256: string };
  readonly source?: Readonly<Record<string, unknown>>;
}

/**
 * Manifests that {@link completeDestinations} stores sealed, with the spec to seal them with.
 * Kept beside the manifest rather than in it, so the secret spec can never be serialized, and
 * so the backup job needs no change to pass it along.
 */
const toSeal = new WeakMap<Manifest, EncryptionSpec>();

/** Builds the manifest of a finished backup. */
export function buildManifest(plan: BackupPlan, facts: BackupFacts): Manifest {
  const manifest: Manifest = {
    format: 'lifeboat-manifest',
    version: MANIFEST_VERSION,
    artifact: facts.artifact,
    connection: { name: plan.connection.name, display: plan.target.display },
    engine: plan.engine.name,
    serverVersion: facts.serverVersion,
    lifeboatVersion: LIFEBOAT_VERSION,
    startedAt: facts.startedAt.toISOString(),
    finishedAt: facts.finishedAt.toISOString(),
    tag: plan.tag ?? null,
    scope: manifestScope(plan.scope),
    compression: plan.compression,
    encryption: plan.encryption
      ? {
          format: 'age',
          recipients: plan.encryption.mode === 'x25519' ? plan.encryption.recipients.length : 0,
          mode: plan.encryption.mode,
        }
      : null,
    size: facts.stored.size,
    sha256: facts.stored.sha256,
    content: facts.content,
    checksumAlgorithm: facts.checksumAlgorithm,
    tables: facts.tables,
    ...(facts.source && Object.keys(facts.source).length ? { source: facts.source } : {}),
    pipeline: facts.stages,
  };
  if (plan.encryptManifest && plan.encryption) toSeal.set(manifest, plan.encryption);
  return manifest;
}

/**
 * The bytes stored as the manifest: its JSON, or for `--encrypt-manifest` the public stub with
 * the manifest sealed inside (encrypted once, the same bytes go to every storage).
 */
export async function manifestBytes(manifest: Manifest): Promise<Buffer> {
  const spec = toSeal.get(manifest);
  const stored = spec ? await sealManifest(manifest, spec) : manifest;
  return Buffer.from(`${JSON.stringify(stored, null, 2)}\n`, 'utf8');
}

/**
 * Stores the manifest beside the artifact. It goes last: only an artifact with a manifest
 * counts as a backup, so a crash before this line leaves nothing that lists as valid.
 */
export async function storeManifest(
  storage: Storage,
  manifest: Manifest,
  signal: AbortSignal,
  bytes?: Buffer,
): Promise<void> {
  const body = bytes ?? (await manifestBytes(manifest));
  const sha256 = createHash('sha256').update(body).digest('hex');
  await storage.put(manifest.artifact + MANIFEST_SUFFIX, Readable.from([body]), {
    signal,
    expect: () => ({ size: body.length, sha256 }),
  });
}

/** How one destination ended. */
export interface DestinationResult {
  readonly storage: string;
  readonly ok: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Writes the manifest beside each stored artifact and records it in the catalog. A storage
 * whose manifest cannot be written loses its artifact too (without a manifest it would only
 * mislead). Fails with the first error when no destination holds a complete backup.
 */
export async function completeDestinations(
  outcomes: readonly StoreOutcome[],
  manifest: Manifest,
  catalog: Catalog,
  signal: AbortSignal,
): Promise<DestinationResult[]> {
  const destinations: DestinationResult[] = [];
  let firstError: LifeboatError | undefined;
  // Sealed once; a failure to seal fails every destination like a failed manifest write.
  let bytes: Promise<Buffer> | undefined;
  for (const outcome of outcomes) {
    let error = outcome.ok ? undefined : outcome.error;
    if (outcome.ok) {
      try {
        bytes ??= manifestBytes(manifest);
        await storeManifest(outcome.storage, manifest, signal, await bytes);
        catalog.recordArtifact(outcome.storage.name, manifest.artifact, manifest);
      } catch (err) {
        await outcome.storage.remove(manifest.artifact);
        error = toLifeboatError(err, signal, 'writing the manifest');
      }
    }
    firstError ??= error;
    destinations.push({
      storage: outcome.storage.name,
      ok: error === undefined,
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
    });
  }
  if (!destinations.some((d) => d.ok)) throw firstError;
  return destinations;
}
