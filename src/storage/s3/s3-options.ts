/** How the SDK adds and checks checksums: recent SDKs default to `when_supported`. */
export type S3ChecksumMode = 'when_required' | 'when_supported';

/** Configuration of an {@link S3Storage}, in the shape `lifeboat.yaml` resolves to. */
export interface S3StorageOptions {
  readonly name: string;
  readonly bucket: string;
  /** Key prefix every object lives under (`app/`); a missing trailing slash is added. */
  readonly prefix?: string;
  /** Region; for a custom endpoint `us-east-1` when unset, else the SDK's chain decides. */
  readonly region?: string;
  /** A custom endpoint (`https://s3.eu-central-003.backblazeb2.com`, MinIO, R2, Ceph). */
  readonly endpoint?: string;
  /** Bucket in the path instead of the host name; on by default for custom endpoints. */
  readonly forcePathStyle?: boolean;
  /** `STANDARD_IA`, `GLACIER_IR`, …; sent as is. */
  readonly storageClass?: string;
  /** `AES256` or `aws:kms`; sent as is. */
  readonly serverSideEncryption?: string;
  /** Static credentials; without them the SDK's default chain (environment, profile, role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /**
   * `when_required` (the default for custom endpoints) sends no CRC trailers and checks no
   * response checksums unless an operation demands it: many S3-compatible servers reject or
   * mangle the aws-chunked uploads that `when_supported` (the SDK default) produces.
   */
  readonly checksum?: S3ChecksumMode;
  /** Attempts per request, first included; the SDK backs off adaptively between them. */
  readonly maxAttempts?: number;
  /**
   * Bytes of the first multipart parts (at least 5 MiB); the size doubles every 1,000 parts.
   * Memory is about `partSize × (queueSize + 1)` for artifacts under ~15 GiB at 16 MiB parts.
   */
  readonly partSize?: number;
  /** Parts uploaded at the same time. */
  readonly queueSize?: number;
  /** Parts per size before it doubles; only tests ask for fewer than 1,000. */
  readonly partsPerSize?: number;
  /** A connection that sends or receives nothing for this long fails (and is retried). */
  readonly socketTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Page size of listings and of unfinished-upload listings (S3 caps both at 1000); smaller only to test pagination. */
  readonly maxKeys?: number;
}

/** 16 MiB first parts; with doubling sizes, objects up to ~5 TiB. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
/**
 * Parts in flight: three keep an upload ahead of a zstd backup (~30 MB/s of artifact on two
 * cores) as long as one connection moves 16 MiB in 1.5 s, and hold 64 MiB of part buffers.
 * A fourth cost 16–20 MiB more peak RSS (a PostgreSQL backup to S3 reached 200 MiB) for no
 * measurable speed against the local server.
 */
export const DEFAULT_QUEUE_SIZE = 3;
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_SOCKET_TIMEOUT_MS = 120_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `app` and `app/` both mean "under app/"; an empty prefix means the bucket root. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/** Where a storage is, for messages: `s3://bucket/prefix/`. */
export function s3Location(options: Pick<S3StorageOptions, 'bucket' | 'prefix'>): string {
  return `s3://${options.bucket}/${normalizePrefix(options.prefix)}`;
}
