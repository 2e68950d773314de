import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { Decrypter, Encrypter } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { AgeDecryptStream } from '../../src/pipeline/age-decrypt.js';
import { AgeEncryptStage, openAgeSession } from '../../src/pipeline/age-encrypt.js';
import {
  generateKeyPair,
  parseIdentityFile,
  type DecryptKeys,
} from '../../src/pipeline/age-keys.js';
import { AGE_CHUNK } from '../../src/pipeline/age-stream.js';
import { tempFile } from './pipeline-helpers.js';

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

/** Feeds `data` in uneven pieces, so chunk boundaries never line up with writes. */
function pieces(data: Buffer, size = 10_007): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
      if (data.length === 0) return;
    })(),
  );
}

async function encrypt(data: Buffer, recipients: string[]): Promise<Buffer> {
  const stage = new AgeEncryptStage(await openAgeSession({ mode: 'x25519', recipients }));
  return collect(pieces(data).pipe(stage));
}

async function decrypt(data: Buffer, keys: DecryptKeys): Promise<Buffer> {
  return collect(pieces(data, 7_001).pipe(new AgeDecryptStream(keys, 'x.sql.gz.age')));
}

const ids = (...identities: string[]): DecryptKeys => ({ identities, passphrases: [] });

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('age encryption (streaming)', () => {
  it('round-trips every size around the 64 KiB chunk and the 16-chunk batch boundaries', async () => {
    const key = await generateKeyPair();
    const sizes = [0, 1, AGE_CHUNK - 1, AGE_CHUNK, AGE_CHUNK + 1, 3 * AGE_CHUNK, 1_000_003];
    // Sealed chunks leave the stage 16 at a time; the last batch may be full, short or one chunk.
    sizes.push(16 * AGE_CHUNK, 16 * AGE_CHUNK + 1, 17 * AGE_CHUNK, 40 * AGE_CHUNK + 5);
    for (const size of sizes) {
      const data = randomBytes(size);
      const sealed = await encrypt(data, [key.recipient]);
      expect((await decrypt(sealed, ids(key.identity))).equals(data), `size ${size}`).toBe(true);
      // The age-encryption package (the reference implementation in JavaScript) agrees.
      const d = new Decrypter();
      d.addIdentity(key.identity);
      expect(Buffer.from(await d.decrypt(sealed)).equals(data), `package, size ${size}`).toBe(true);
    }
  });

  it('encrypts to several recipients, each of which can decrypt alone', async () => {
    const a = await generateKeyPair();
    const b = await generateKeyPair();
    const data = randomBytes(200_000);
    const sealed = await encrypt(data, [a.recipient, b.recipient]);
    expect((await decrypt(sealed, ids(a.identity))).equals(data)).toBe(true);
    expect((await decrypt(sealed, ids(b.identity))).equals(data)).toBe(true);
  });

  it('passphrase mode (scrypt) round-trips and the package reads it', async () => {
    const data = randomBytes(100_000);
    const session = await openAgeSession({ mode: 'passphrase', passphrase: 'correct horse' });
    expect(session.mode).toBe('passphrase');
    const sealed = await collect(pieces(data).pipe(new AgeEncryptStage(session)));
    const keys = { identities: [], passphrases: ['correct horse'] };
    expect((await decrypt(sealed, keys)).equals(data)).toBe(true);
    const wrong = await failure(decrypt(sealed, { identities: [], passphrases: ['nope'] }));
    expect(isLifeboatError(wrong, 'DECRYPT_FAILED')).toBe(true);
    // A passphrase file made by the package decrypts too.
    const e = new Encrypter();
    e.setPassphrase('pw');
    const theirs = Buffer.from(await e.encrypt(data));
    expect((await decrypt(theirs, { identities: [], passphrases: ['pw'] })).equals(data)).toBe(
      true,
    );
    // Four scrypt derivations (work factor 2^18, in JavaScript): seconds each on a busy machine.
  }, 90_000);

  it('reports the recipients and mode, never a key', async () => {
    const key = await generateKeyPair();
    const stage = new AgeEncryptStage(
      await openAgeSession({ mode: 'x25519', recipients: [key.recipient] }),
    );
    await collect(pieces(Buffer.from('x')).pipe(stage));
    expect(stage.result()).toEqual({ stage: 'age', of: 'artifact', recipients: 1, mode: 'x25519' });
  });

  it('fails with DECRYPT_FAILED for a wrong key and KEY_REQUIRED without one', async () => {
    const key = await generateKeyPair();
    const other = await generateKeyPair();
    const sealed = await encrypt(randomBytes(1000), [key.recipient]);
    const err = await failure(decrypt(sealed, ids(other.identity)));
    expect(isLifeboatError(err, 'DECRYPT_FAILED')).toBe(true);
    expect((err as Error).message).toBe(
      'cannot decrypt "x.sql.gz.age": none of the given identities or passphrases matches it',
    );
    expect(() => new AgeDecryptStream(ids(), 'x.sql.gz.age')).toThrow(
      'artifact "x.sql.gz.age" is encrypted and no key was given',
    );
  });

  it('detects truncation (in the header, mid-chunk, at a chunk boundary) and altered bytes', async () => {
    const key = await generateKeyPair();
    const sealed = await encrypt(randomBytes(3 * AGE_CHUNK + 5), [key.recipient]);
    const headerEnd = sealed.indexOf('\n--- ') + 5;
    const boundary = sealed.length - (5 + 16);
    for (const cut of [10, headerEnd, headerEnd + 60, boundary, sealed.length - 1]) {
      const err = await failure(decrypt(sealed.subarray(0, cut), ids(key.identity)));
      expect(isLifeboatError(err, 'ARTIFACT_CORRUPT'), `cut at ${cut}: ${String(err)}`).toBe(true);
    }
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 100] = (flipped[flipped.length - 100] as number) ^ 1;
    const err = await failure(decrypt(flipped, ids(key.identity)));
    expect(isLifeboatError(err, 'ARTIFACT_CORRUPT')).toBe(true);
    const plain = await failure(decrypt(randomBytes(500), ids(key.identity)));
    expect((plain as Error).message).toContain('not an age-encrypted file');
  });

  it('interoperates with the age CLI in both directions', async () => {
    const key = await generateKeyPair();
    const keyFile = tempFile('key.txt', Buffer.from(key.fileText));
    expect(parseIdentityFile(key.fileText, keyFile)).toEqual([key.identity]);
    const data = randomBytes(3_000_000); // several batches of sealed chunks
    const ours = tempFile('ours.age', await encrypt(data, [key.recipient]));
    expect(
      execFileSync('age', ['-d', '-i', keyFile, ours], { maxBuffer: 1 << 24 }).equals(data),
    ).toBe(true);
    const plainFile = join(dirname(keyFile), 'plain.bin');
    writeFileSync(plainFile, data);
    const theirs = execFileSync('age', ['-r', key.recipient, plainFile], { maxBuffer: 1 << 24 });
    expect((await decrypt(theirs, ids(key.identity))).equals(data)).toBe(true);
    // age-keygen's identity files parse too.
    const generated = execFileSync('age-keygen', {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    expect(parseIdentityFile(generated, 'age-keygen')).toHaveLength(1);
  });
});
