import { finished, type Readable } from 'node:stream';

/**
 * The chunks of a byte stream one at a time, as they were pushed, with backpressure: the
 * stream flows one chunk, pauses until the consumer asks for the next, and only then resumes.
 *
 * `for await (… of stream)` reads a paused stream with `read()`, which joins everything the
 * stream buffered into one new Buffer: a zstd stage pushes a finished job as many chunks at
 * once, so a backup copied its whole artifact once more on the way to storage (~0.3 s per
 * 240 MiB). A flowing stream hands out its chunks as they are.
 *
 * Ends when the stream ends; throws the stream's error, or ERR_STREAM_PREMATURE_CLOSE when it
 * was destroyed before its end. Returning early (a consumer that fails) leaves the stream
 * paused and not destroyed: the caller decides with which error to stop it.
 */
export async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const woken = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onData = (chunk: Buffer | Uint8Array | string): void => {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    stream.pause();
    woken();
  };
  stream.on('data', onData);
  const stopWatching = finished(stream, (err) => {
    if (err) failure ??= err;
    else ended = true;
    woken();
  });
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      const chunk = chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (ended) return;
      const arrived = new Promise<void>((resolve) => (wake = resolve));
      stream.resume();
      await arrived;
    }
  } finally {
    stream.off('data', onData);
    stopWatching();
    stream.pause();
  }
}
