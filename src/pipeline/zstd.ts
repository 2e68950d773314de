import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import type * as ZstdModule from 'zstd-napi';
import type { StageResult } from './manifest.js';
import type { Stage } from './stage.js';

type ZstdNapi = typeof ZstdModule;

let binding: ZstdNapi | undefined;
/** Loads the native binding on first use, so commands that never touch zstd do not pay for it. */
function zstd(): ZstdNapi {
  binding ??= createRequire(import.meta.url)('zstd-napi') as ZstdNapi;
  return binding;
}

/** Options of {@link createZstdCompressor}. */
export interface ZstdOptions {
  /** zstd level 1-19; default 3, the `zstd` CLI's own default. */
  readonly level?: number;
  /**
   * Compression threads of libzstd's multi-threaded mode (as `zstd -T`); default the number of
   * cores, at most 4. The output is still one ordinary zstd frame.
   */
  readonly workers?: number;
}

/** Default zstd level, as `zstd` without `-#`. */
export const ZSTD_DEFAULT_LEVEL = 3;

/**
 * Input bytes per multi-threaded job. libzstd's default is four windows (8 MiB at level 3),
 * and it keeps input and output buffers for a few jobs per worker: ~60 MiB of a backup's peak
 * RSS at 2 workers. 2 MiB jobs (with libzstd's usual overlap between jobs) cost about 30 MiB
 * less, with the same speed and a ratio within a fraction of a percent.
 */
const ZSTD_JOB_SIZE = 2 << 20;

/**
 * A streaming zstd compressor stage (zstd-napi's `CompressStream`, libzstd's
 * `ZSTD_compressStream2`). With workers, libzstd compresses jobs of a few MiB on its own
 * threads while the dump continues on the main one; memory is bounded by
 * `workers × job size` ({@link ZSTD_JOB_SIZE}), not by the input.
 */
export function createZstdCompressor(options: ZstdOptions = {}): Stage {
  const level = options.level ?? ZSTD_DEFAULT_LEVEL;
  const workers = options.workers ?? Math.min(4, availableParallelism());
  const stream = new (zstd().CompressStream)({
    compressionLevel: level,
    nbWorkers: workers,
    ...(workers > 0 ? { jobSize: ZSTD_JOB_SIZE } : {}),
    checksumFlag: true,
  }) as unknown as Transform & Stage;
  stream.result = (): StageResult => ({ stage: 'zstd', of: 'artifact', level, workers });
  return stream;
}

/**
 * A streaming zstd decompressor. It reads concatenated frames; input that ends inside a frame
 * fails ("Stream ended in middle of compressed data frame"), and each frame's checksum is
 * checked by libzstd.
 */
export function createZstdDecompressor(): Transform {
  return new (zstd().DecompressStream)();
}
