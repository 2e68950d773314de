import { PassThrough, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors/index.js';
import type { StageResult } from './manifest.js';
import { ParallelGzip, type ParallelGzipOptions } from './parallel-gzip.js';
import type { Stage } from './stage.js';
import { createZstdCompressor, createZstdDecompressor, type ZstdOptions } from './zstd.js';

/** Options a compressor accepts; codecs ignore what they do not use. */
export type CompressorOptions = ParallelGzipOptions & ZstdOptions;

/** Suffix of an age-encrypted artifact, after the compression's (`.sql.gz.age`). */
export const AGE_EXTENSION = '.age';

/** One compression format: how artifacts are named, written and read. */
export interface Codec {
  /** Name in configs, `--compress` and manifests. */
  readonly name: string;
  /** Appended to `.sql` in artifact names (`.gz`, or `''` for none). */
  readonly extension: string;
  /** Accepted `--compress-level` values; undefined when the codec has no levels. */
  readonly levels?: { readonly min: number; readonly max: number };
  createCompressor(options?: CompressorOptions): Stage;
  /** Reads what the compressor wrote; a truncated or damaged input fails the stream. */
  createDecompressor(): Transform;
}

/** Output buffer of gunzip: 256 KiB. */
const GUNZIP_CHUNK = 256 * 1024;

/** Stage of `none`: passes bytes through and records that nothing was compressed. */
class Uncompressed extends PassThrough implements Stage {
  result(): StageResult {
    return { stage: 'none', of: 'artifact' };
  }
}

const CODECS: readonly Codec[] = [
  {
    name: 'gzip',
    extension: '.gz',
    levels: { min: 1, max: 9 },
    createCompressor: (options) => new ParallelGzip(options),
    // zlib's gunzip reads concatenated members, and fails with "unexpected end of file" when
    // the input stops inside a member. Each full output buffer is one hop from the thread pool
    // to the main thread and one write downstream (a restore sends each as a CopyData message):
    // with the default 16 KiB that was 64k hops, callbacks and socket writes per GiB.
    createDecompressor: () => createGunzip({ chunkSize: GUNZIP_CHUNK }),
  },
  {
    name: 'zstd',
    extension: '.zst',
    levels: { min: 1, max: 19 },
    createCompressor: (options) => createZstdCompressor(options),
    createDecompressor: () => createZstdDecompressor(),
  },
  {
    name: 'none',
    extension: '',
    createCompressor: () => new Uncompressed(),
    createDecompressor: () => new PassThrough(),
  },
];

/** Names of the compressions lifeboat can write and read. */
export const COMPRESSIONS: readonly string[] = CODECS.map((codec) => codec.name);

/** The codec named `name`; USAGE error with the supported names for anything else. */
export function codecFor(name: string): Codec {
  const codec = CODECS.find((candidate) => candidate.name === name);
  if (codec === undefined) {
    throw new LifeboatError('USAGE', `unknown compression "${name}"`, {
      hint: `use one of: ${COMPRESSIONS.join(', ')}`,
      details: { compression: name },
    });
  }
  return codec;
}

/**
 * The compression an artifact's key implies by its extension (`.sql.gz` -> `gzip`), for
 * artifacts without a manifest, such as dumps made by other tools.
 */
export function codecForKey(key: string): string {
  const plain = isEncryptedKey(key) ? key.slice(0, -AGE_EXTENSION.length) : key;
  const codec = CODECS.find(
    (candidate) => candidate.extension !== '' && plain.endsWith(candidate.extension),
  );
  return codec?.name ?? 'none';
}

/** Whether an artifact's key says it is age-encrypted (`.age`), for artifacts without a manifest. */
export function isEncryptedKey(key: string): boolean {
  return key.endsWith(AGE_EXTENSION);
}

/** USAGE error unless `level` suits `codec` (gzip 1-9, zstd 1-19). */
export function checkLevel(codec: Codec, level: number | undefined): void {
  if (level === undefined) return;
  const range = codec.levels;
  if (range === undefined) {
    throw new LifeboatError('USAGE', `compression "${codec.name}" has no levels`, {
      hint: 'leave out --compress-level, or pick gzip or zstd',
    });
  }
  if (!Number.isInteger(level) || level < range.min || level > range.max) {
    throw new LifeboatError(
      'USAGE',
      `compression level ${level} is out of range for ${codec.name} (${range.min}-${range.max})`,
      { hint: `use --compress-level ${range.min}-${range.max}` },
    );
  }
}
