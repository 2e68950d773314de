import type { Readable, Writable } from 'node:stream';
import { LifeboatError } from '../errors/index.js';
import type { FlowStage } from '../progress/flow.js';
import { AgeEncryptStage, type AgeSession } from './age-encrypt.js';
import { codecFor, type Codec, type CompressorOptions } from './compression.js';
import { DigestStage, Sha256Stage } from './hash-stage.js';
import { linkStreams } from './link-streams.js';
import type { StageResult } from './manifest.js';
import { SizeStage } from './size-stage.js';
import type { Measured, Stage } from './stage.js';

/** Options of {@link buildBackupPipeline}. */
export interface BackupPipelineOptions extends CompressorOptions {
  /** A name from {@link codecFor} (`gzip`, `zstd`, `none`). */
  readonly compression: string;
  /** Encrypts the compressed bytes with age when set (see `openAgeSession`). */
  readonly encryption?: AgeSession | undefined;
  /** Destroys every stage with ABORTED, so the producer and the storage both stop. */
  readonly signal: AbortSignal;
}

/** The write side of a backup: dump text in, artifact bytes out. */
export interface BackupPipeline {
  /** Write SQL text (strings or Buffers) here, honouring `write()`'s backpressure; `end()` it. */
  readonly input: Writable;
  /** The artifact bytes: give it to `storage.put`. */
  readonly output: Readable;
  /** The compression used, e.g. for the artifact name's extension. */
  readonly codec: Codec;
  /** Every stage's result in pipeline order, for the manifest; call after `output` ended. */
  results(): StageResult[];
  /** Size and XXH64 of the SQL text (the manifest's `content`); call after `output` ended. */
  contentHash(): { readonly size: number; readonly xxh64: string };
  /**
   * Size and SHA-256 of the artifact; pass `() => p.artifactHash()` as `storage.put`'s
   * `expect`. Before `output` ended it throws CHECKSUM_MISMATCH: a storage that asks then
   * has seen the end of a stream that was not finished, so what it holds is short.
   */
  artifactHash(): Measured;
  /** Resolves when `output` ended; rejects with the first error of any stage or consumer. */
  done(): Promise<void>;
  /** Byte counters of `dump` (what was written to `input`), `compress` and `encrypt`. */
  readonly flow: readonly FlowStage[];
}

/**
 * Builds the backup filter chain (pgBackRest style), as streams with backpressure:
 * xxh64(content) -> size(content) -> compress -> [age encrypt] -> sha256(artifact) ->
 * size(artifact).
 * Nothing holds the whole dump: memory is bounded by the compressor's window. When any stage,
 * the producer or the consumer fails, every stage is destroyed with that same error.
 */
export function buildBackupPipeline(options: BackupPipelineOptions): BackupPipeline {
  const codec = codecFor(options.compression);
  const contentHash = new DigestStage('xxh64', 'content');
  const contentSize = new SizeStage('content');
  const compressor = codec.createCompressor(options);
  const artifactSha = new Sha256Stage('artifact');
  const artifactSize = new SizeStage('artifact');
  const encrypt = options.encryption ? [new AgeEncryptStage(options.encryption)] : [];
  const chain: readonly [Stage, ...Stage[]] = [
    contentHash,
    contentSize,
    compressor,
    ...encrypt,
    artifactSha,
    artifactSize,
  ];
  const linked = linkStreams(chain, { signal: options.signal });
  return {
    input: contentHash,
    output: linked.output,
    codec,
    results: () => chain.map((stage) => stage.result()),
    contentHash: () => ({ size: contentSize.bytes, xxh64: contentHash.digest }),
    artifactHash: () => {
      if (!artifactSize.complete) throw shortArtifact(artifactSize.bytes);
      return { size: artifactSize.bytes, sha256: artifactSha.digest };
    },
    done: linked.done,
    flow: [
      {
        name: 'dump',
        output: () => contentSize.bytes,
        heldBack: () => contentHash.writableNeedDrain,
        starved: () => false,
        done: () => contentHash.writableEnded,
      },
      meter('compress', compressor, chain[3] as Stage),
      ...encrypt.map((stage) => meter('encrypt', stage, chain[4] as Stage)),
    ],
  };
}

/**
 * Counts what `stage` hands on with a 'data' listener beside the pipe's own (a number added
 * per chunk, no extra stream hop). Held back while the next stream refuses writes: the pipe
 * then pauses `stage` until that stream drains.
 */
function meter(name: string, stage: Stage, next: Stage): FlowStage {
  let bytes = 0;
  stage.on('data', (chunk: Buffer) => (bytes += chunk.length));
  return {
    name,
    output: () => bytes,
    heldBack: () => next.writableNeedDrain,
    starved: () => false,
    done: () => stage.writableFinished,
  };
}

function shortArtifact(bytesSoFar: number): LifeboatError {
  return new LifeboatError(
    'CHECKSUM_MISMATCH',
    `the storage saw the end of the artifact before it was complete (${bytesSoFar} bytes produced so far)`,
    { hint: 'the upload was cut short; nothing was kept, run the backup again' },
  );
}
