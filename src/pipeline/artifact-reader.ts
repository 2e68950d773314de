import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { LifeboatError, isLifeboatError, messageOf } from '../errors/index.js';
import type { ExpectedContent, Storage } from '../storage/storage.js';
import { AgeDecryptStream } from './age-decrypt.js';
import type { DecryptKeys } from './age-keys.js';
import { codecFor } from './compression.js';
import { DigestStage, Sha256Stage, type DigestAlgorithm } from './hash-stage.js';
import { linkStreams } from './link-streams.js';
import { SizeStage } from './size-stage.js';
import type { Measured } from './stage.js';

/** Options of {@link openArtifactReader}. */
export interface ArtifactReaderOptions {
  /** The manifest's `compression`. */
  readonly compression: string;
  /** The artifact is age-encrypted (the manifest's `encryption`, or a `.age` name). */
  readonly encrypted?: boolean;
  /** Identities and passphrases for an encrypted artifact; KEY_REQUIRED when none. */
  readonly decrypt?: DecryptKeys | undefined;
  readonly signal: AbortSignal;
  /**
   * The manifest's artifact size and SHA-256. When given, the stream fails with
   * CHECKSUM_MISMATCH at its end if the stored bytes differ, before it reports success; this
   * also catches a gzip file cut exactly between two members, which gunzip alone cannot see.
   */
  readonly expected?: ExpectedContent;
  /**
   * Checksum the decompressed text too, with the algorithm the manifest's `content` names
   * (`contentChecksum` of manifest.ts); none when absent. A restore checks the stored bytes against
   * the manifest, which already pins the text they decompress to, so it leaves this out.
   */
  readonly contentChecksum?: DigestAlgorithm | undefined;
}

/** What reading measured; `complete` is false until every byte went through. */
export interface ArtifactReadResult {
  readonly complete: boolean;
  /** The stored bytes (what the manifest's `size`/`sha256` describe); so far if incomplete. */
  readonly artifact: Measured;
  /**
   * The decompressed SQL text (the manifest's `content`); so far if incomplete. Its checksum
   * is there under the name of the reader's `contentChecksum`, when it had one.
   */
  readonly content: { readonly size: number; readonly xxh64?: string; readonly sha256?: string };
}

/**
 * An artifact being read: storage -> sha256+size -> [age decrypt] -> decompress ->
 * [checksum]+size -> you.
 */
export interface ArtifactReader {
  /** The decompressed SQL as Buffers; fails with ARTIFACT_CORRUPT when it cannot decompress. */
  readonly content: Readable;
  result(): ArtifactReadResult;
}

/**
 * Opens `key` for reading and decompressing, measuring both the stored bytes and the text.
 * Fails at once with ARTIFACT_NOT_FOUND when the key is missing. Errors while streaming reach
 * the reader of `content`: decompression failures as ARTIFACT_CORRUPT
 * (`artifact "<key>" is corrupt: <reason>`), storage errors as they are.
 */
export async function openArtifactReader(
  storage: Storage,
  key: string,
  options: ArtifactReaderOptions,
): Promise<ArtifactReader> {
  const codec = codecFor(options.compression);
  // Fails with KEY_REQUIRED before the storage is even asked.
  const decryptor = options.encrypted
    ? [new AgeDecryptStream(options.decrypt ?? { identities: [], passphrases: [] }, key)]
    : [];
  const source = await storage.get(key, { signal: options.signal });
  const artifactSha = new Sha256Stage('artifact');
  const artifactSize = new SizeStage('artifact');
  const check = expectationCheck(key, options.expected, () => ({
    size: artifactSize.bytes,
    sha256: artifactSha.digest,
  }));
  const decompressor = codec.createDecompressor();
  const contentHash = options.contentChecksum
    ? new DigestStage(options.contentChecksum, 'content')
    : undefined;
  const contentSize = new SizeStage('content');
  const linked = linkStreams(
    [
      source,
      artifactSha,
      artifactSize,
      check,
      ...decryptor,
      decompressor,
      ...(contentHash ? [contentHash] : []),
      contentSize,
    ],
    {
      signal: options.signal,
      mapError: (err, from) => {
        if (isLifeboatError(err)) return err;
        if (from === decompressor) return corrupt(key, messageOf(err), err);
        return new LifeboatError(
          'IO_ERROR',
          `reading artifact "${key}" from storage "${storage.name}" failed: ${messageOf(err)}`,
          {
            hint: `check that ${storage.location} is reachable`,
            cause: err,
          },
        );
      },
    },
  );
  return {
    content: linked.output,
    result: () => ({
      complete: contentSize.complete,
      artifact: { size: artifactSize.bytes, sha256: artifactSha.digestSoFar },
      content: {
        size: contentSize.bytes,
        ...(contentHash ? { [contentHash.algorithm]: contentHash.digestSoFar } : {}),
      },
    }),
  };
}

function corrupt(key: string, reason: string, cause?: unknown): LifeboatError {
  return new LifeboatError('ARTIFACT_CORRUPT', `artifact "${key}" is corrupt: ${reason}`, {
    hint: 'the file is truncated or damaged; restore from another backup',
    details: { key },
    cause,
  });
}

/** A pass-through that, at the end, compares the measured artifact with the manifest's. */
function expectationCheck(
  key: string,
  expected: ExpectedContent | undefined,
  measured: () => Measured,
): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callback(null, chunk);
    },
    // Upstream stages flushed before this one, so `measured()` is final here.
    flush(callback: TransformCallback) {
      if (expected === undefined) return callback();
      const got = measured();
      if (got.size === expected.size && got.sha256 === expected.sha256) return callback();
      callback(
        new LifeboatError(
          'CHECKSUM_MISMATCH',
          `artifact "${key}" does not match its manifest: expected ${expected.size} bytes sha256 ${expected.sha256}, ` +
            `read ${got.size} bytes sha256 ${got.sha256}`,
          {
            hint: 'the file was altered or damaged after it was written; use another backup',
            details: { key },
          },
        ),
      );
    },
  });
}
