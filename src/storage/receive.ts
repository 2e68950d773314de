import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { LifeboatError, isLifeboatError, messageOf, throwIfAborted } from '../errors/index.js';
import { abortedError, whenAborted } from './abort.js';
import { chunksOf } from './chunks-of.js';
import type { ExpectedContent, PutOptions } from './storage.js';

/** Size and SHA-256 of what a put received. */
export interface Received {
  readonly size: number;
  readonly sha256: string;
}

/** How a backend receives a put's body. */
export interface ReceiveOptions {
  readonly storage: string;
  readonly key: string;
  readonly signal: AbortSignal;
  /** Stores one chunk; awaited, so a slow disk slows the producer (backpressure). */
  readonly sink: (chunk: Buffer) => void | Promise<void>;
  /** Maps a failure of `sink` (ENOSPC, EACCES) to the error the caller and producer see. */
  readonly sinkError: (err: unknown) => LifeboatError;
}

/**
 * Reads a put's body to the end, hashing it and handing each chunk to `sink`. On abort the
 * body is destroyed with ABORTED. On any failure the body is destroyed with the mapped error,
 * so the producer upstream stops and sees the same reason the caller gets.
 */
export async function receiveBody(body: Readable, options: ReceiveOptions): Promise<Received> {
  const { signal, sink } = options;
  throwIfAborted(signal);
  const hash = createHash('sha256');
  let size = 0;
  const detach = whenAborted(signal, () => stopBody(body, abortedError(signal)));
  try {
    // chunksOf leaves the body undestroyed on a sink failure, so it is destroyed with the real
    // error below, not with a bare "premature close" that would reach the producer first.
    for await (const chunk of chunksOf(body)) {
      hash.update(chunk);
      size += chunk.length;
      try {
        await sink(chunk);
      } catch (err) {
        throw options.sinkError(err);
      }
    }
    throwIfAborted(signal);
    return { size, sha256: hash.digest('hex') };
  } catch (err) {
    const mapped = signal.aborted
      ? abortedError(signal)
      : bodyError(err, options.storage, options.key);
    stopBody(body, mapped);
    throw mapped;
  } finally {
    detach();
  }
}

/** Maps a body error for the caller: LifeboatErrors pass, others become IO_ERROR. */
export function bodyError(err: unknown, storage: string, key: string): LifeboatError {
  if (isLifeboatError(err)) return err;
  return new LifeboatError(
    'IO_ERROR',
    `upload of "${key}" to storage "${storage}" failed: ${messageOf(err)}`,
    {
      hint: 'nothing partial was kept; run the command again',
      cause: err,
    },
  );
}

/**
 * Compares what the writer expected (see {@link PutOptions.expect}) with what arrived; throws
 * CHECKSUM_MISMATCH on a difference. Called before the object becomes visible.
 */
export function checkExpected(
  storage: string,
  key: string,
  got: Received,
  expect: PutOptions['expect'],
): void {
  if (expect === undefined) return;
  const want: ExpectedContent = expect();
  if (want.size === got.size && want.sha256 === got.sha256) return;
  throw new LifeboatError(
    'CHECKSUM_MISMATCH',
    `object "${key}" in storage "${storage}" does not match what was sent: ` +
      `expected ${want.size} bytes sha256 ${want.sha256}, received ${got.size} bytes sha256 ${got.sha256}`,
    {
      hint: 'the data was altered between lifeboat and the storage; nothing was kept, run the backup again',
      details: { storage, key, expected: want, received: got },
    },
  );
}

/**
 * Destroys a put's body after a failure. The error goes along only when someone listens for
 * it (a pipeline whose producer then learns why); on a bare stream an 'error' event nobody
 * handles would crash the process.
 */
export function stopBody(body: Readable, err: unknown): void {
  if (body.destroyed) return;
  if (err instanceof Error && body.listenerCount('error') > 0) body.destroy(err);
  else body.destroy();
}
