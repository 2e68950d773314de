import { z } from 'zod';
import { LifeboatError, messageOf } from '../../errors/index.js';
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
  content: z.object({
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  checksumAlgorithm: z.string(),
  tables: z.array(tableSchema),
  pipeline: z.array(z.looseObject({ stage: z.string(), of: z.enum(['content', 'artifact']) })),
});

/** Parses and checks a manifest's text; `where` names it in errors. */
export function parseManifest(text: string, where: string): Manifest {
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
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > MANIFEST_VERSION) {
    throw new LifeboatError(
      'MANIFEST_INVALID',
      `manifest "${where}" has version ${version}, newer than this lifeboat reads`,
      {
        hint: 'upgrade lifeboat to read it',
      },
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new LifeboatError(
      'MANIFEST_INVALID',
      `manifest "${where}" is invalid at "${path}": ${issue?.message ?? 'unknown'}`,
      {
        hint: 'the manifest was altered or was not written by lifeboat',
      },
    );
  }
  return parsed.data as unknown as Manifest;
}

/** Reads the manifest stored beside `artifactKey`; null when there is none. */
export async function readManifest(
  storage: Storage,
  artifactKey: string,
  signal?: AbortSignal,
): Promise<Manifest | null> {
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
  return parseManifest(Buffer.concat(chunks).toString('utf8'), `${storage.name}:${key}`);
}
