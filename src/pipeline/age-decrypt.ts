import { Transform, type TransformCallback } from 'node:stream';
import type { Storage } from '../storage/storage.js';
import { LifeboatError, messageOf } from '../errors/index.js';
import { noKeys, type DecryptKeys } from './age-keys.js';
import {
  AGE_CHUNK,
  AGE_MAGIC,
  AGE_NONCE,
  AGE_TAG,
  ageLibrary,
  openChunk,
  payloadKey,
} from './age-stream.js';

/** Headers are a few hundred bytes per recipient; anything this long is not an age header. */
const MAX_HEADER = 64 * 1024;
const SEALED = AGE_CHUNK + AGE_TAG;
const END_MARK = Buffer.from('\n--- ');

/**
 * Decrypts an age file as it streams: the header is parsed and unwrapped with `age-encryption`
 * (`Decrypter.decryptHeader`, which checks the header MAC), then each 64 KiB chunk is opened as
 * it completes. Memory stays at one chunk. A wrong key fails with DECRYPT_FAILED before any
 * plaintext is produced; a truncated or altered file fails with ARTIFACT_CORRUPT, at the
 * latest at the end of the stream (the last chunk must carry the last-chunk flag).
 */
export class AgeDecryptStream extends Transform {
  readonly #keys: DecryptKeys;
  readonly #name: string;
  #head: Buffer | null = Buffer.alloc(0);
  #key: Buffer | null = null;
  /** Set when the header ended but the payload nonce has not fully arrived yet. */
  #pendingFileKey: Uint8Array | null = null;
  #nonce = Buffer.alloc(0);
  readonly #sealed = Buffer.allocUnsafe(SEALED);
  #used = 0;
  #counter = 0;

  /** `name` is the artifact's name, for messages. */
  constructor(keys: DecryptKeys, name: string) {
    super();
    if (noKeys(keys)) throw keyRequired(name);
    this.#keys = keys;
    this.#name = name;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const step = async (): Promise<void> => {
      const rest = this.#head === null ? chunk : await this.#header(chunk);
      if (rest !== null) this.#payload(rest);
    };
    step().then(
      () => callback(),
      (err: unknown) => callback(err as Error),
    );
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.#key === null || this.#nonce.length < AGE_NONCE) {
        throw this.#corrupt('the file ends inside the age header');
      }
      if (this.#used < AGE_TAG) throw this.#corrupt('the age payload is truncated');
      const plain = this.#open(true);
      if (plain.length === 0 && this.#counter > 1) {
        throw this.#corrupt('the age payload ends with an empty chunk');
      }
      callback(null, plain);
    } catch (err) {
      callback(err as Error);
    }
  }

  /** Collects the header; once whole, unwraps the file key and returns what follows it. */
  async #header(chunk: Buffer): Promise<Buffer | null> {
    const head = Buffer.concat([this.#head ?? Buffer.alloc(0), chunk]);
    this.#head = head;
    const magic = Buffer.from(AGE_MAGIC);
    if (
      !head.subarray(0, magic.length).equals(magic.subarray(0, Math.min(head.length, magic.length)))
    ) {
      throw this.#corrupt('it is not an age-encrypted file');
    }
    const mark = head.indexOf(END_MARK);
    const end = mark < 0 ? -1 : head.indexOf(0x0a, mark + END_MARK.length);
    if (end < 0) {
      if (head.length > MAX_HEADER) throw this.#corrupt('the age header is too long');
      return null;
    }
    const header = head.subarray(0, end + 1);
    const decrypter = new (await ageLibrary()).Decrypter();
    this.#keys.identities.forEach((identity) => decrypter.addIdentity(identity));
    this.#keys.passphrases.forEach((passphrase) => decrypter.addPassphrase(passphrase));
    let fileKey: Uint8Array;
    try {
      fileKey = await decrypter.decryptHeader(header);
    } catch (err) {
      const reason = messageOf(err);
      if (/no identity matched/.test(reason)) {
        throw new LifeboatError(
          'DECRYPT_FAILED',
          `cannot decrypt "${this.#name}": none of the given identities or passphrases matches it`,
          {
            hint: 'use the identity file whose public key the backup was encrypted to (--identity), or the right passphrase',
            details: { artifact: this.#name },
            cause: err,
          },
        );
      }
      throw this.#corrupt(`its age header is invalid (${reason})`, err);
    }
    this.#head = null;
    const rest = head.subarray(end + 1);
    const take = rest.subarray(0, AGE_NONCE);
    this.#nonce = Buffer.from(take);
    if (this.#nonce.length === AGE_NONCE) this.#key = payloadKey(fileKey, this.#nonce);
    else this.#pendingFileKey = fileKey;
    return rest.subarray(take.length);
  }

  #payload(chunk: Buffer): void {
    let rest = chunk;
    if (this.#key === null) {
      const need = AGE_NONCE - this.#nonce.length;
      this.#nonce = Buffer.concat([this.#nonce, rest.subarray(0, need)]);
      rest = rest.subarray(need);
      if (this.#nonce.length < AGE_NONCE || this.#pendingFileKey === null) return;
      this.#key = payloadKey(this.#pendingFileKey, this.#nonce);
      this.#pendingFileKey = null;
    }
    while (rest.length > 0) {
      if (this.#used === SEALED) this.push(this.#open(false));
      const n = Math.min(SEALED - this.#used, rest.length);
      rest.copy(this.#sealed, this.#used, 0, n);
      this.#used += n;
      rest = rest.subarray(n);
    }
  }

  #open(last: boolean): Buffer {
    const counter = this.#counter++;
    const sealed = this.#sealed.subarray(0, this.#used);
    this.#used = 0;
    try {
      return openChunk(this.#key as Buffer, counter, last, sealed);
    } catch (err) {
      throw this.#corrupt(
        `age chunk ${counter} does not authenticate (the file is truncated or altered)`,
        err,
      );
    }
  }

  #corrupt(reason: string, cause?: unknown): LifeboatError {
    return new LifeboatError('ARTIFACT_CORRUPT', `artifact "${this.#name}" is corrupt: ${reason}`, {
      hint: 'the file is truncated or damaged; restore from another backup',
      details: { key: this.#name },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** The error for an encrypted artifact read without any identity or passphrase. */
export function keyRequired(name: string): LifeboatError {
  return new LifeboatError('KEY_REQUIRED', `artifact "${name}" is encrypted and no key was given`, {
    hint: 'pass --identity <file> (or set LIFEBOAT_AGE_IDENTITY), or --passphrase-env <VAR> for a passphrase-encrypted backup',
    details: { artifact: name },
  });
}

/**
 * Fails with KEY_REQUIRED, DECRYPT_FAILED or ARTIFACT_CORRUPT unless `keys` open the age header
 * of `key` and its first chunk authenticates. Reads only the first chunk, so a restore can say
 * "wrong key" before it asks anything, takes a safety backup, or touches the target.
 */
export async function checkDecryptable(
  storage: Storage,
  key: string,
  keys: DecryptKeys | undefined,
  signal: AbortSignal,
): Promise<void> {
  const decrypt = new AgeDecryptStream(keys ?? { identities: [], passphrases: [] }, key);
  const source = await storage.get(key, { signal });
  try {
    await new Promise<void>((resolve, reject) => {
      decrypt.once('data', () => resolve());
      decrypt.once('end', resolve);
      decrypt.once('error', reject);
      source.once('error', reject);
      source.pipe(decrypt);
    });
  } finally {
    source.unpipe(decrypt);
    source.destroy();
    decrypt.destroy();
  }
}
