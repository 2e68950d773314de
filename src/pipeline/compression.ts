import { PassThrough, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LifeboatError } from '../errors/index.js';
import type { StageResult } from './manifest.js';
import { ParallelGzip, type ParallelGzipOptions } from './parallel-gzip.js';
import type { Stage } from './stage.js';

/** Options a compressor accepts; codecs ignore what they do not use. */
export type CompressorOptions = ParallelGzipOptions;

/** One compression format: how artifacts are named, written and read. */
export interface Codec {
  /** Name in configs, `--compress` and manifests. */
  readonly name: string;
  /** Appended to `.sql` in artifact names (`.gz`, or `''` for none). */
  readonly extension: string;
  createCompressor(options?: CompressorOptions): Stage;
  /** Reads what the compressor wrote; a truncated or damaged input fails the stream. */
  createDecompressor(): Transform;
}

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
    createCompressor: (options) => new ParallelGzip(options),
    // zlib's gunzip reads concatenated members, and fails with "unexpected end of file" when
    // the input stops inside a member.
    createDecompressor: () => createGunzip(),
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
  const codec = CODECS.find(
    (candidate) => candidate.extension !== '' && key.endsWith(candidate.extension),
  );
  return codec?.name ?? 'none';
}
