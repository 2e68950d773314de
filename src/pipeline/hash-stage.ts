import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import xxhash from 'xxhash-wasm';
import { LifeboatError } from '../errors/index.js';
import type { StageResult } from './manifest.js';
import type { Stage } from './stage.js';

/**
 * The checksums a pipeline stage can compute: SHA-256 for the stored bytes, which the
 * manifest pins (and `sha256sum` checks), and XXH64 for the SQL text those bytes decompress
 * to (older manifests carry its SHA-256; `contentChecksum` in manifest.ts).
 */
export type DigestAlgorithm = 'sha256' | 'xxh64';

interface Hasher {
  update(chunk: Uint8Array): void;
  /** The digest so far, in hex; the hasher can go on after it. */
  peek(): string;
}

// One instance for the process, made when the pipeline is first imported (~1 ms to compile the
// 2 KB module); each hash keeps its own state outside it.
const xxh = await xxhash();

function sha256Hasher(): Hasher {
  const hash: Hash = createHash('sha256');
  return {
    update: (chunk) => hash.update(chunk),
    peek: () => hash.copy().digest('hex'),
  };
}

/** XXH64 with seed 0, in the canonical (big-endian) hex `xxhsum -H1` prints. */
function xxh64Hasher(): Hasher {
  const state = xxh.create64();
  return {
    update: (chunk) => void state.update(chunk),
    peek: () => state.digest().toString(16).padStart(16, '0'),
  };
}

/** Passes bytes through unchanged while computing their checksum. */
export class DigestStage extends Transform implements Stage {
  readonly algorithm: DigestAlgorithm;
  readonly of: StageResult['of'];
  readonly #hasher: Hasher;
  #digest: string | undefined;

  constructor(algorithm: DigestAlgorithm, of: StageResult['of']) {
    super();
    this.algorithm = algorithm;
    this.of = of;
    this.#hasher = algorithm === 'sha256' ? sha256Hasher() : xxh64Hasher();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hasher.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hasher.peek();
    callback();
  }

  /** True once every byte went through. */
  get complete(): boolean {
    return this.#digest !== undefined;
  }

  /** The final hex digest; asking before the end is a bug (the value would be wrong). */
  get digest(): string {
    if (this.#digest === undefined) {
      throw new LifeboatError(
        'INTERNAL',
        `${this.algorithm} of the ${this.of} was read before the stream ended`,
      );
    }
    return this.#digest;
  }

  /** Digest of the bytes seen so far, for reports on a stream that stopped early. */
  get digestSoFar(): string {
    return this.#digest ?? this.#hasher.peek();
  }

  result(): StageResult {
    return { stage: this.algorithm, of: this.of, [this.algorithm]: this.digest };
  }
}

/** A {@link DigestStage} computing SHA-256. */
export class Sha256Stage extends DigestStage {
  constructor(of: StageResult['of']) {
    super('sha256', of);
  }
}
