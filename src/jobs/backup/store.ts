import { PassThrough, type Readable } from 'node:stream';
import type { ExpectedContent, PutResult, Storage } from '../../storage/storage.js';
import { LifeboatError, messageOf } from '../../errors/index.js';
import type { FlowStage } from '../../progress/flow.js';
import { chunksOf } from '../../storage/chunks-of.js';

/** How one destination ended. */
export type StoreOutcome =
  | { readonly storage: Storage; readonly ok: true; readonly put: PutResult }
  | { readonly storage: Storage; readonly ok: false; readonly error: LifeboatError };

/** One destination's branch: bytes fed to it, and whether its put has settled. */
interface Branch {
  readonly stream: PassThrough;
  written: number;
  settled: boolean;
}

/**
 * Streams one artifact to every storage at once: the dump runs once and each chunk goes to all
 * destinations, at the pace of the slowest. A destination that fails drops out without
 * stopping the others; when all have failed the source is destroyed so the dump stops too.
 * `onFlow` receives an `upload:<storage>` counter per destination, for the stall watch.
 */
export async function storeEverywhere(
  source: Readable,
  storages: readonly Storage[],
  key: string,
  expect: () => ExpectedContent,
  signal: AbortSignal,
  onFlow?: (stages: FlowStage[]) => void,
): Promise<StoreOutcome[]> {
  const branches = storages.map((): Branch => {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    // A branch's error reaches the caller through its put's rejection; this listener only keeps
    // Node from treating an error raised before the put started reading as unhandled.
    stream.on('error', () => undefined);
    return { stream, written: 0, settled: false };
  });
  onFlow?.(storages.map((storage, i) => uploadStage(storage, branches[i] as Branch)));
  const live = new Set(branches);
  const puts = storages.map(async (storage, i): Promise<StoreOutcome> => {
    const branch = branches[i] as Branch;
    try {
      const put = await storage.put(key, branch.stream, { signal, expect });
      return { storage, ok: true, put };
    } catch (err) {
      live.delete(branch);
      branch.stream.destroy();
      if (live.size === 0) source.destroy(asLifeboatError(err, storage));
      return { storage, ok: false, error: asLifeboatError(err, storage) };
    } finally {
      branch.settled = true;
    }
  });
  void feed(source, branches, live);
  return Promise.all(puts);
}

/**
 * What the destination took is what was fed minus what still waits in the branch. An upload
 * whose branch is empty but not ended waits for the pipeline (starved); one that has taken
 * everything and not settled is still sending or waiting for the server to confirm.
 */
function uploadStage(storage: Storage, branch: Branch): FlowStage {
  const pending = (): number => branch.stream.writableLength + branch.stream.readableLength;
  return {
    name: `upload:${storage.name}`,
    output: () => branch.written - pending(),
    heldBack: () => false,
    starved: () => pending() === 0 && !branch.stream.writableEnded,
    done: () => branch.settled,
  };
}

async function feed(
  source: Readable,
  branches: readonly Branch[],
  live: Set<Branch>,
): Promise<void> {
  try {
    for await (const chunk of chunksOf(source)) {
      const waits: Promise<void>[] = [];
      for (const branch of live) {
        branch.written += chunk.length;
        if (!branch.stream.write(chunk)) waits.push(drainOrClose(branch.stream));
      }
      await Promise.all(waits);
      if (live.size === 0) return;
    }
    for (const branch of live) branch.stream.end();
  } catch (err) {
    // The source failed (dump or compression error): every put must fail and discard its temp.
    for (const branch of branches)
      branch.stream.destroy(err instanceof Error ? err : new Error(String(err)));
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
