import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { LifeboatError, isLifeboatError } from '../errors/index.js';
import { abortedError, whenAborted } from './abort.js';

/** What {@link checkedDownload} reports in its errors. */
export interface DownloadContext {
  readonly storage: string;
  readonly key: string;
  /** ContentLength the server announced; undefined skips the length check. */
  readonly expectedSize: number | undefined;
  readonly signal?: AbortSignal;
  /** Maps a network error of the body (reset, timeout) to the caller's error. */
  readonly mapError: (err: unknown) => LifeboatError;
}

/**
 * Passes a download through and fails with ARTIFACT_CORRUPT if it ends before (or after) the
 * announced length: a connection cut that looks like a clean end must never hand a reader
 * silently short data. Network errors of the body are mapped, aborts become ABORTED.
 */
export function checkedDownload(body: Readable, ctx: DownloadContext): Readable {
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      received += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (ctx.expectedSize === undefined || received === ctx.expectedSize) return callback();
      callback(
        new LifeboatError(
          'ARTIFACT_CORRUPT',
          `download of "${ctx.key}" from storage "${ctx.storage}" ended after ${received} of ${ctx.expectedSize} bytes`,
          {
            hint: 'the connection was cut; run the command again',
            details: { storage: ctx.storage, key: ctx.key, received, expected: ctx.expectedSize },
          },
        ),
      );
    },
  });
  body.on('error', (err) => {
    const mapped = ctx.signal?.aborted === true ? abortedError(ctx.signal) : ctx.mapError(err);
    counter.destroy(isLifeboatError(mapped) ? mapped : ctx.mapError(err));
  });
  counter.on('close', () => {
    if (!body.destroyed) body.destroy();
  });
  const detach = whenAborted(ctx.signal, () =>
    counter.destroy(abortedError(ctx.signal as AbortSignal)),
  );
  counter.once('close', detach);
  return body.pipe(counter);
}
