import { z } from 'zod';
import { LifeboatError, messageOf } from '../../errors/index.js';
import { noKeys, type DecryptKeys } from '../../pipeline/age-keys.js';
import {
  SEALED_MANIFEST_FORMAT,
  isSealed,
  manifestKeyRequired,
  type SealedManifest,
  type StoredManifest,
} from '../../pipeline/age-manifest-stub.js';
import { unsealManifestText } from '../../pipeline/age-manifest.js';
import { MANIFEST_SUFFIX, MANIFEST_VERSION, type Manifest } from '../../pipeline/manifest.js';
import { isNotExist, type Storage } from '../../storage/storage.js';

const tableSchema = z.object({
  name: z.string(),
  rows: z.number().int().nonnegative(),
  checksum: z.string(),
});

/** The fields lifeboat relies on; unknown extra fields are kept, so newer minor additions load. */
const manifestSchema = z.looseObject({
  format: z.literal('lifeboat-manifest'),
  version: z.number().int().positive(),
  artifact: z.string(),
  connection: z.object({ name: z.string(), display: z.string() }),
  engine: z.string(),
  serverVersion: z.string(),
  lifeboatVersion: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  tag: z.string().nullable(),
  scope: z.looseObject({
    schema: z.boolean(),
    data: z.boolean(),
    tables: z.array(z.string()).nullable(),
    excludeTables: z.array(z.string()).nullable(),
  }),
  compression: z.string(),
  encryption: z
    .looseObject({
      format: z.literal('age'),
      recipients: z.number().int().nonnegative(),
      mode: z.enum(['x25519', 'passphrase']),
    })
    .nullable()
    .optional(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  // XXH64 since version 2, SHA-256 before (see ContentDigest).
  content: z.union([
    z.object({ size: z.number().int().nonnegative(), xxh64: z.string().regex(/^[0-9a-f]{16}$/) }),
    z.object({
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ]),
  checksumAlgorithm: z.string(),
  tables: z.array(tableSchema),
  pipeline: z.array(z.looseObject({ stage: z.string(), of: z.enum(['content', 'artifact']) })),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** The public stub of a sealed manifest (`--encrypt-manifest`). */
const sealedSchema = z.looseObject({
  format: z.literal(SEALED_MANIFEST_FORMAT),
  version: z.literal(1),
  artifact: z.string(),
  connection: z.object({ name: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  tag: z.string().nullable(),
  size: z.number().int().nonnegative(),
  sha256,
  encryption: z.looseObject({
    format: z.literal('age'),
    recipients: z.number().int().nonnegative(),
    mode: z.enum(['x25519', 'passphrase']),
  }),
  sealed: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});

/** Parses and checks a manifest's text; `where` names it in errors. */
export function parseManifest(text: string, where: string): Manifest {
  const parsed = parseStoredManifest(text, where);
  if (isSealed(parsed)) {
    throw invalid(where, 'is sealed where a manifest in clear was expected');
  }
  return parsed;
}

/** Parses a manifest as stored: in clear, or the public stub of a sealed one. */
export function parseStoredManifest(text: string, where: string): StoredManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LifeboatError(
      'MANIFEST_INVALID',
      `manifest "${where}" is not valid JSON: ${messageOf(err)}`,
      {
        hint: 'the manifest was altered or truncated; "lifeboat verify" cannot trust this artifact',
        cause: err,
      },
    );
  }
  const format = (json as { format?: unknown } | null)?.format;
  const version = (json as { version?: unknown } | null)?.version;
  const newest = format === SEALED_MANIFEST_FORMAT ? 1 : MANIFEST_VERSION;
  if (typeof version === 'number' && version > newest) {
    throw new LifeboatError(
      'MANIFEST_INVALID',
      `manifest "${where}" has version ${version}, newer than this lifeboat reads`,
      {
        hint: 'upgrade lifeboat to read it',
      },
    );
  }
  const schema = format === SEALED_MANIFEST_FORMAT ? sealedSchema : manifestSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw invalid(where, `is invalid at "${path}": ${issue?.message ?? 'unknown'}`);
  }
  return parsed.data as unknown as StoredManifest;
}

function invalid(where: string, what: string): LifeboatError {
  return new LifeboatError('MANIFEST_INVALID', `manifest "${where}" ${what}`, {
    hint: 'the manifest was altered or was not written by lifeboat',
  });
}

/**
 * The full manifest of a sealed one, decrypted with `keys` and checked against its public
 * stub: a stub edited to mislead `list` or `prune` (another time, size or connection) is
 * caught here, since only the sealed part is authenticated.
 */
export async function unsealManifest(
  sealed: SealedManifest,
  keys: DecryptKeys | undefined,
  where: string,
): Promise<Manifest> {
  if (noKeys(keys)) throw manifestKeyRequired(sealed.artifact);
  const manifest = parseManifest(await unsealManifestText(sealed, keys, where), where);
  const fields = ['artifact', 'startedAt', 'finishedAt', 'tag', 'size', 'sha256'] as const;
  const differs = fields.find((f) => manifest[f] !== sealed[f]);
  if (differs !== undefined || manifest.connection.name !== sealed.connection.name) {
    throw invalid(
      where,
      `has a public part that disagrees with its encrypted part at "${differs ?? 'connection.name'}"`,
    );
  }
  return manifest;
}

/**
 * Reads the manifest stored beside `artifactKey`; null when there is none. A sealed manifest
 * is decrypted with `keys`, and fails with KEY_REQUIRED without them.
 */
export async function readManifest(
  storage: Storage,
  artifactKey: string,
  signal?: AbortSignal,
  keys?: DecryptKeys,
): Promise<Manifest | null> {
  const stored = await readStoredManifest(storage, artifactKey, signal);
  if (stored === null || !isSealed(stored)) return stored;
  return unsealManifest(stored, keys, `${storage.name}:${artifactKey}${MANIFEST_SUFFIX}`);
}

/** Reads the manifest stored beside `artifactKey` as stored (a sealed one stays sealed). */
export async function readStoredManifest(
  storage: Storage,
  artifactKey: string,
  signal?: AbortSignal,
): Promise<StoredManifest | null> {
  const key = artifactKey + MANIFEST_SUFFIX;
  let stream;
  try {
    stream = await storage.get(key, signal ? { signal } : {});
  } catch (err) {
    if (isNotExist(err)) return null;
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return parseStoredManifest(Buffer.concat(chunks).toString('utf8'), `${storage.name}:${key}`);
}
