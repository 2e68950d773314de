import { LifeboatError } from '../errors/index.js';
import type { Manifest, ManifestEncryption } from './manifest.js';

/** `format` of a manifest whose full text is age-encrypted (`--encrypt-manifest`). */
export const SEALED_MANIFEST_FORMAT = 'lifeboat-sealed-manifest';

/**
 * What a storage holds beside an artifact backed up with `--encrypt-manifest`: a public stub
 * with only what the object's name and size already reveal (connection name, time, tag, size,
 * the SHA-256 of the encrypted bytes), so `list` and `prune` work on a host without the key,
 * and `sealed`, the whole manifest as an age file in base64. One object, so artifact and
 * manifest still go together. See docs/manifest.md.
 */
export interface SealedManifest {
  readonly format: typeof SEALED_MANIFEST_FORMAT;
  readonly version: 1;
  readonly artifact: string;
  readonly connection: { readonly name: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tag: string | null;
  readonly size: number;
  readonly sha256: string;
  readonly encryption: ManifestEncryption;
  /** The full manifest's JSON, age-encrypted like the artifact, base64. */
  readonly sealed: string;
}

/** A manifest as a storage holds it: in clear, or sealed. */
export type StoredManifest = Manifest | SealedManifest;

/** Whether a stored manifest is sealed (its details need the key). */
export function isSealed(manifest: StoredManifest): manifest is SealedManifest {
  return manifest.format === SEALED_MANIFEST_FORMAT;
}

/** The error for a sealed manifest read without any key. */
export function manifestKeyRequired(artifact: string): LifeboatError {
  return new LifeboatError(
    'KEY_REQUIRED',
    `the manifest of "${artifact}" is encrypted (--encrypt-manifest) and no key was given`,
    {
      hint: 'pass --identity <file> (or set LIFEBOAT_AGE_IDENTITY or defaults.encrypt.identity), or --passphrase-env <VAR> for a passphrase; "lifeboat list" works without it',
      details: { artifact },
    },
  );
}
