import { setTimeout as delay } from 'node:timers/promises';
import { throwIfAborted } from '../errors/index.js';

/** Sleeps `ms`, or rejects with ABORTED as soon as `signal` fires. */
export async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (err) {
    throwIfAborted(signal);
    throw err;
  }
}
