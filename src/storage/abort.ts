import { abortedError as interrupted, type LifeboatError } from '../errors/index.js';

/** The ABORTED error every storage and pipeline step reports when its signal fires. */
export function abortedError(signal: AbortSignal): LifeboatError {
  return interrupted(signal.reason);
}

/**
 * Calls `onAbort` once when `signal` fires (at once if it already has). Returns a function that
 * detaches the listener, so long-lived signals (the daemon's) do not collect one per call.
 */
export function whenAborted(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (signal === undefined) return () => undefined;
  if (signal.aborted) {
    onAbort();
    return () => undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
