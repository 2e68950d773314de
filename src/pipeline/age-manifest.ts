import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LifeboatError } from '../errors/index.js';
import { AgeDecryptStream } from './age-decrypt.js';
import { AgeEncryptStage, openAgeSession } from './age-encrypt.js';
import type { DecryptKeys, EncryptionSpec } from './age-keys.js';
import { SEALED_MANIFEST_FORMAT, type SealedManifest } from './age-manifest-stub.js';
import type { Manifest } from './manifest.js';

/**
 * Encrypts `manifest` to the same recipients or passphrase as its artifact, with a file key of
 * its own (age file keys are never reused), and returns the stub that is stored instead.
 */
export async function sealManifest(
  manifest: Manifest,
  spec: EncryptionSpec,
): Promise<SealedManifest> {
  if (!manifest.encryption) {
    throw new LifeboatError('INTERNAL', 'only the manifest of an encrypted artifact is sealed');
  }
  const stage = new AgeEncryptStage(await openAgeSession(spec));
  const plain = Buffer.from(JSON.stringify(manifest), 'utf8');
  const sealed = await collect(Readable.from([plain]), stage);
  return {
    format: SEALED_MANIFEST_FORMAT,
    version: 1,
    artifact: manifest.artifact,
    connection: { name: manifest.connection.name },
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    tag: manifest.tag,
    size: manifest.size,
    sha256: manifest.sha256,
    encryption: manifest.encryption,
    sealed: sealed.toString('base64'),
  };
}

/**
 * Decrypts a sealed manifest's text. KEY_REQUIRED without keys, DECRYPT_FAILED when none fits,
 * ARTIFACT_CORRUPT (naming the manifest) when the ciphertext was altered.
 */
export async function unsealManifestText(
  sealed: SealedManifest,
  keys: DecryptKeys | undefined,
  where: string,
): Promise<string> {
  const decrypt = new AgeDecryptStream(keys ?? { identities: [], passphrases: [] }, where);
  const bytes = Buffer.from(sealed.sealed, 'base64');
  return (await collect(Readable.from([bytes]), decrypt)).toString('utf8');
}

async function collect(source: Readable, through: NodeJS.ReadWriteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(source, through, async (out: AsyncIterable<string | Buffer>) => {
    for await (const chunk of out) chunks.push(Buffer.from(chunk));
  });
  return Buffer.concat(chunks);
}
