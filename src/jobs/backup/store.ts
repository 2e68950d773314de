import { PassThrough, type Readable } from 'node:stream';
import type { ExpectedContent, PutResult, Storage } from '../../storage/storage.js';
import { LifeboatError, messageOf } from '../../errors/index.js';

/** How one destination ended. */
export type StoreOutcome =
  | { readonly storage: Storage; readonly ok: true; readonly put: PutResult }
  | { readonly storage: Storage; readonly ok: false; readonly error: LifeboatError };

/**
 * Streams one artifact to every storage at once: the dump runs once and each chunk goes to all
 * destinations, at the pace of the slowest. A destination that fails drops out without
 * stopping the others; when all have failed the source is destroyed so the dump stops too.
 */
export async function storeEverywhere(
  source: Readable,
  storages: readonly Storage[],
  key: string,
  expect: () => ExpectedContent,
  signal: AbortSignal,
): Promise<StoreOutcome[]> {
  const branches = storages.map(() => {
    const branch = new PassThrough({ highWaterMark: 1 << 20 });
    // A branch's error reaches the caller through its put's rejection; this listener only keeps
    // Node from treating an error raised before the put started reading as unhandled.
    branch.on('error', () => undefined);
    return branch;
  });
  const live = new Set(branches);
  const puts = storages.map(async (storage, i): Promise<StoreOutcome> => {
    const branch = branches[i] as PassThrough;
    try {
      const put = await storage.put(key, branch, { signal, expect });
      return { storage, ok: true, put };
    } catch (err) {
      live.delete(branch);
      branch.destroy();
      if (live.size === 0) source.destroy(asLifeboatError(err, storage));
      return { storage, ok: false, error: asLifeboatError(err, storage) };
    }
  });
  void feed(source, branches, live);
  return Promise.all(puts);
}

async function feed(
  source: Readable,
  branches: readonly PassThrough[],
  live: Set<PassThrough>,
): Promise<void> {
  try {
    for await (const chunk of source) {
      const waits: Promise<void>[] = [];
      for (const branch of live) {
        if (!branch.write(chunk)) waits.push(drainOrClose(branch));
      }
      await Promise.all(waits);
      if (live.size === 0) return;
    }
    for (const branch of live) branch.end();
  } catch (err) {
    // The source failed (dump or compression error): every put must fail and discard its temp.
    for (const branch of branches)
      branch.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

function drainOrClose(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function asLifeboatError(err: unknown, storage: Storage): LifeboatError {
  if (err instanceof LifeboatError) return err;
  return new LifeboatError('IO_ERROR', `storing to "${storage.name}" failed: ${messageOf(err)}`, {
    hint: `check that ${storage.location} is reachable and writable`,
    cause: err,
  });
}
