import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import type * as AgeEncryption from 'age-encryption';

/**
 * The payload layer of the age format (age-encryption.org/v1, "STREAM"): the plaintext is cut
 * into 64 KiB chunks, each sealed with ChaCha20-Poly1305 under a key derived from the file key
 * and a 16-byte nonce; the chunk nonce is an 11-byte big-endian counter plus a last-chunk flag.
 * The `age-encryption` package implements the same in pure JavaScript over Web streams; this
 * uses OpenSSL through node:crypto, which is about fifteen times faster, so encryption stays a
 * small fraction of a backup's time. The header (recipients, scrypt, HMAC) is still written and
 * read by `age-encryption`; the interop tests check both layers against the `age` CLI.
 */

/**
 * The age-encryption package (with its X25519, scrypt and post-quantum code), imported when a
 * key is first generated or a header written or read: loading it cost every command ~0.15 s
 * of CPU, encrypted or not.
 */
export const ageLibrary = (): Promise<typeof AgeEncryption> => import('age-encryption');

/** Plaintext bytes per STREAM chunk. */
export const AGE_CHUNK = 64 * 1024;
/** Poly1305 tag bytes appended to every chunk. */
export const AGE_TAG = 16;
/** Bytes of the payload nonce that follows the header. */
export const AGE_NONCE = 16;
/** First line of every age file. */
export const AGE_MAGIC = 'age-encryption.org/v1\n';

/** HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload"): the STREAM key. */
export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  // 2^48 chunks of 64 KiB is far beyond any artifact; the upper counter bytes stay zero.
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/**
 * Seals chunk number `counter` into `out` at `at`, ciphertext followed by the tag; returns the
 * bytes written (`plain.length` + {@link AGE_TAG}).
 */
export function sealChunk(
  key: Buffer,
  counter: number,
  last: boolean,
  plain: Uint8Array,
  out: Buffer,
  at: number,
): number {
  const cipher = createCipheriv('chacha20-poly1305', key, chunkNonce(counter, last), {
    authTagLength: AGE_TAG,
  });
  const body = cipher.update(plain);
  cipher.final();
  body.copy(out, at);
  cipher.getAuthTag().copy(out, at + body.length);
  return body.length + AGE_TAG;
}

/** Opens chunk number `counter` (ciphertext + tag); throws when it does not authenticate. */
export function openChunk(key: Buffer, counter: number, last: boolean, sealed: Uint8Array): Buffer {
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), {
    authTagLength: AGE_TAG,
  });
  decipher.setAuthTag(sealed.subarray(sealed.length - AGE_TAG));
  const body = decipher.update(sealed.subarray(0, sealed.length - AGE_TAG));
  decipher.final();
  return body;
}
