import { finished, type Duplex, type Readable } from 'node:stream';
import { abortedError, whenAborted } from '../storage/abort.js';

/** Options of {@link linkStreams}. */
export interface LinkOptions {
  readonly signal?: AbortSignal;
  /** Turns the first error into the one every stream is destroyed with (ARTIFACT_CORRUPT, ...). */
  readonly mapError?: (err: unknown, source: Readable | Duplex) => Error;
}

/** Streams piped one into the next, failing together. */
export interface LinkedStreams {
  /** The last stream: read from it. */
  readonly output: Readable;
  /** Resolves when the output ended; rejects with the (mapped) first error. */
  done(): Promise<void>;
}

/**
 * Pipes `streams` in order with backpressure. Unlike `stream.pipeline`, the first error is
 * mapped once and then destroys *every* stream with the same error, so the producer writing
 * the first stream and the consumer reading the last both see the real reason (DISK_FULL,
 * ARTIFACT_CORRUPT), not "premature close". The signal aborts the whole chain with ABORTED.
 */
export function linkStreams(
  streams: readonly [Readable | Duplex, ...Duplex[]],
  options: LinkOptions = {},
): LinkedStreams {
  const output = streams[streams.length - 1] as Readable | Duplex;
  let failure: Error | undefined;
  const fail = (err: unknown, source: Readable | Duplex): void => {
    if (failure !== undefined) return;
    failure =
      options.mapError?.(err, source) ?? (err instanceof Error ? err : new Error(String(err)));
    for (const stream of streams) stream.destroy(failure);
  };
  for (let i = 0; i + 1 < streams.length; i += 1) {
    (streams[i] as Readable).pipe(streams[i + 1] as Duplex);
  }
  // `finished` also keeps an 'error' listener on each stream, so no error is ever unhandled.
  for (const stream of streams) finished(stream, (err) => err && fail(err, stream));
  const { signal } = options;
  const detach = whenAborted(signal, () => fail(abortedError(signal as AbortSignal), output));
  const ended = new Promise<void>((resolve, reject) => {
    finished(output, (err) => {
      detach();
      if (err) fail(err, output);
      if (failure === undefined) resolve();
      else reject(failure);
    });
  });
  // Nobody may ask: a rejection must not crash the process as unhandled.
  ended.catch(() => undefined);
  return { output, done: () => ended };
}
