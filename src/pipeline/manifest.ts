import type { TableSummary, DumpScope } from '../engines/engine.js';

/**
 * The manifest format version this lifeboat writes; readers accept versions up to this one.
 * Version 2 records the SQL text's XXH64 where version 1 recorded its SHA-256.
 */
export const MANIFEST_VERSION = 2;
/** Suffix of the manifest object stored beside each artifact. */
export const MANIFEST_SUFFIX = '.manifest.json';

/** The result one pipeline stage reports; collected in order into the manifest. */
export interface StageResult {
  /** `sha256`, `size`, `gzip`, ... */
  readonly stage: string;
  /** `content` (the SQL as dumped) or `artifact` (the bytes as stored). */
  readonly of: 'content' | 'artifact';
  readonly [key: string]: unknown;
}

/**
 * What lifeboat knows about one artifact, stored as `<artifact>.manifest.json` beside it and
 * written after the artifact is complete: an artifact without a manifest never counts as a
 * backup. See docs/manifest.md.
 */
export interface Manifest {
  readonly format: 'lifeboat-manifest';
  readonly version: number;
  /** File name of the artifact this manifest describes. */
  readonly artifact: string;
  /** Connection name and redacted URL of the source. */
  readonly connection: { readonly name: string; readonly display: string };
  readonly engine: string;
  readonly serverVersion: string;
  readonly lifeboatVersion: string;
  /** ISO-8601 UTC timestamps. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tag: string | null;
  readonly scope: {
    readonly schema: boolean;
    readonly data: boolean;
    readonly tables: readonly string[] | null;
    readonly excludeTables: readonly string[] | null;
    /** Engine-specific dump switches used (`noOwner`, `noDefiner`, ...), when any. */
    readonly options?: Readonly<Record<string, string | boolean>>;
  };
  /** `gzip`, `zstd` or `none`: how the SQL text was compressed (before any encryption). */
  readonly compression: string;
  /**
   * How the compressed bytes were encrypted, or null. Never a key: only how many recipients
   * (0 for a passphrase) and which mode. Absent in manifests written before encryption existed.
   */
  readonly encryption?: ManifestEncryption | null;
  /** Size in bytes and SHA-256 (hex) of the artifact as stored. */
  readonly size: number;
  readonly sha256: string;
  /** Size and checksum of the SQL text before compression. */
  readonly content: ContentDigest;
  readonly checksumAlgorithm: string;
  readonly tables: readonly TableSummary[];
  /**
   * Engine-reported facts about the source at snapshot time (binary log position, exported
   * snapshot, ...); absent when the engine reports none.
   */
  readonly source?: Readonly<Record<string, unknown>>;
  /** Every pipeline stage's result, in pipeline order. */
  readonly pipeline: readonly StageResult[];
}

/**
 * Size and checksum of the SQL text an artifact decompresses to: XXH64 since manifest
 * version 2, SHA-256 before. The stored bytes' SHA-256 already pins the text; this checksum
 * catches a codec (or its binding) that wrote something other than what it was given, which
 * needs no cryptographic hash, and XXH64 costs a quarter of SHA-256 on a backup's main thread.
 */
export type ContentDigest =
  | { readonly size: number; readonly xxh64: string }
  | { readonly size: number; readonly sha256: string };

/** Which checksum a manifest's `content` carries. */
export function contentChecksum(content: ContentDigest): 'xxh64' | 'sha256' {
  return 'xxh64' in content ? 'xxh64' : 'sha256';
}

/** Whether `measured` (size and the same checksum) is what `expected` records. */
export function sameContent(
  measured: { readonly size: number; readonly xxh64?: string; readonly sha256?: string },
  expected: ContentDigest,
): boolean {
  const [got, want] =
    'xxh64' in expected ? [measured.xxh64, expected.xxh64] : [measured.sha256, expected.sha256];
  return measured.size === expected.size && got !== undefined && got === want;
}

/** The manifest's record of an artifact's encryption. */
export interface ManifestEncryption {
  readonly format: 'age';
  /** Number of X25519 recipients; 0 for passphrase mode. */
  readonly recipients: number;
  readonly mode: 'x25519' | 'passphrase';
}

/** Whether the artifact a manifest describes is encrypted. */
export function isEncrypted(manifest: Pick<Manifest, 'encryption'>): boolean {
  return manifest.encryption !== undefined && manifest.encryption !== null;
}

/** Converts a dump scope to the manifest's form. */
export function manifestScope(scope: DumpScope): Manifest['scope'] {
  return {
    schema: scope.schema,
    data: scope.data,
    tables: scope.tables ? [...scope.tables] : null,
    excludeTables: scope.excludeTables ? [...scope.excludeTables] : null,
    ...(scope.options && Object.keys(scope.options).length
      ? { options: { ...scope.options } }
      : {}),
  };
}
