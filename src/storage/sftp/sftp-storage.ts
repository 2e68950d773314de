import { once } from 'node:events';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type SftpClient from 'ssh2-sftp-client';
import { LifeboatError, throwIfAborted } from '../../errors/index.js';
import { checkedDownload } from '../checked-download.js';
import { keySegments } from '../key.js';
import { notExist } from '../not-exist.js';
import { checkExpected, receiveBody, stopBody } from '../receive.js';
import type { ObjectInfo, PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';
import { SftpConnection } from './sftp-connection.js';
import { fromSftpError, isNoSuchFile, type SftpErrorContext } from './sftp-errors.js';
import { sftpLocation, type SftpStorageOptions } from './sftp-options.js';
import { PARTIAL, normalizeRoot, partialPathFor } from './sftp-paths.js';

/** A day: temp files older than this belong to dead processes. */
const PARTIAL_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** A file found under the root. */
interface RemoteFile {
  readonly relative: string;
  readonly size: number;
  readonly modifiedAt: Date;
}

/**
 * Objects as files under a directory of an SFTP server. A put writes a hidden temp file beside
 * the target, checks the writer's expectation and the size the server reports, and renames it
 * into place with the atomic `posix-rename@openssh.com`; a failed put deletes its temp file.
 */
export class SftpStorage implements Storage {
  readonly name: string;
  readonly kind = 'sftp';
  readonly location: string;
  readonly #root: string;
  readonly #connection: SftpConnection;

  constructor(options: SftpStorageOptions) {
    this.name = options.name;
    this.#root = normalizeRoot(options.path);
    this.location = sftpLocation(options);
    this.#connection = new SftpConnection(options, this.location);
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const { signal } = options;
    const ctx = this.#ctx(`uploading "${key}"`, undefined, signal);
    let temp: string | undefined;
    try {
      const path = this.#pathOf(key);
      throwIfAborted(signal);
      return await this.#connection.use(async (client) => {
        await ensureDir(client, posix.dirname(path));
        temp = partialPathFor(path);
        const file = client.createWriteStream(temp, { flags: 'wx' }) as Writable;
        // Errors surface through `errored`, `closed` and the drain wait, never uncaught.
        file.on('error', () => undefined);
        const closed = once(file, 'close');
        closed.catch(() => undefined);
        // A dropped connection does not always fail pending writes: fail the file ourselves.
        const detach = onLost(client, () => file.destroy(new Error('the ssh connection was lost')));
        try {
          const received = await receiveBody(body, {
            storage: this.name,
            key,
            signal,
            sink: (chunk) => write(file, chunk),
            sinkError: (err) => fromSftpError(err, ctx),
          });
          file.end();
          await closed;
          if (file.errored !== null) throw file.errored;
          checkExpected(this.name, key, received, options.expect);
          const stored = await client.stat(temp);
          if (stored.size !== received.size)
            throw this.#sizeMismatch(key, received.size, stored.size);
          // Last chance to stop: after the rename the object is visible.
          throwIfAborted(signal);
          await client.posixRename(temp, path);
          temp = undefined;
          return { key, ...received };
        } finally {
          detach();
          if (!file.destroyed) file.destroy();
        }
      });
    } catch (err) {
      stopBody(body, err);
      const leftover = temp;
      if (leftover !== undefined)
        await this.#connection.use((c) => c.delete(leftover, true)).catch(() => undefined);
      throw fromSftpError(err, ctx);
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<Readable> {
    const path = this.#pathOf(key);
    const { signal } = options;
    throwIfAborted(signal);
    const ctx = this.#ctx(`downloading "${key}"`, key, signal);
    const client = await this.#connection.acquire();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#connection.release();
    };
    try {
      const info = await this.#statFile(client, path, key);
      const stream = client.createReadStream(path) as Readable;
      const detach = onLost(client, () => stream.destroy(new Error('the ssh connection was lost')));
      stream.once('close', detach);
      const checked = checkedDownload(stream, {
        storage: this.name,
        key,
        expectedSize: info.size,
        signal,
        mapError: (err) => fromSftpError(err, ctx),
      });
      checked.once('close', release);
      return checked;
    } catch (err) {
      release();
      throw fromSftpError(err, ctx);
    }
  }

  async stat(key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    const path = this.#pathOf(key);
    throwIfAborted(options.signal);
    try {
      const info = await this.#connection.use((client) => this.#statFile(client, path, key));
      return { key, ...info };
    } catch (err) {
      throw fromSftpError(err, this.#ctx(`reading "${key}"`, key, options.signal));
    }
  }

  async *list(prefix: string, options: ReadOptions = {}): AsyncIterable<ObjectInfo> {
    // Start at the deepest directory the prefix names, instead of walking the whole tree.
    const slash = prefix.lastIndexOf('/');
    const start = slash < 0 ? '' : prefix.slice(0, slash);
    if (start !== '') keySegments(start);
    const files = await this.#connection
      .use((client) => this.#walk(client, start, false, options.signal))
      .catch((err: unknown) => {
        throw fromSftpError(err, this.#ctx('listing', undefined, options.signal));
      });
    for (const file of files) {
      if (file.relative.startsWith(prefix))
        yield { key: file.relative, size: file.size, modifiedAt: file.modifiedAt };
    }
  }

  async remove(key: string): Promise<void> {
    const path = this.#pathOf(key);
    try {
      await this.#connection.use((client) => client.delete(path, true));
    } catch (err) {
      if (isNoSuchFile(err)) return;
      throw fromSftpError(err, this.#ctx(`removing "${key}"`));
    }
  }

  /** Removes temp files of puts older than `maxAgeMs` (default a day); returns their paths. */
  async cleanupPartials(
    options: { maxAgeMs?: number; signal?: AbortSignal } = {},
  ): Promise<string[]> {
    const cutoff = Date.now() - (options.maxAgeMs ?? PARTIAL_MAX_AGE_MS);
    try {
      return await this.#connection.use(async (client) => {
        const removed: string[] = [];
        for (const file of await this.#walk(client, '', true, options.signal)) {
          if (!PARTIAL.test(posix.basename(file.relative))) continue;
          if (file.modifiedAt.getTime() > cutoff) continue;
          await client.delete(posix.join(this.#root, file.relative), true);
          removed.push(file.relative);
        }
        return removed;
      });
    } catch (err) {
      throw fromSftpError(err, this.#ctx('cleaning up', undefined, options.signal));
    }
  }

  /** Closes the connection now instead of after the idle delay. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  async #statFile(
    client: SftpClient,
    path: string,
    key: string,
  ): Promise<{ size: number; modifiedAt: Date }> {
    let info;
    try {
      info = await client.stat(path);
    } catch (err) {
      if (isNoSuchFile(err)) throw notExist(this.name, key, err);
      throw err;
    }
    if (!info.isFile) throw notExist(this.name, key);
    return { size: info.size, modifiedAt: new Date(info.modifyTime) };
  }

  /** Files under `root/start`, depth first; a missing directory holds none. */
  async #walk(
    client: SftpClient,
    start: string,
    hidden: boolean,
    signal?: AbortSignal,
  ): Promise<RemoteFile[]> {
    const files: RemoteFile[] = [];
    const stack = [start];
    while (stack.length > 0) {
      throwIfAborted(signal);
      const relDir = stack.pop() as string;
      let entries;
      try {
        entries = await client.list(relDir === '' ? this.#root : posix.join(this.#root, relDir));
      } catch (err) {
        if (isNoSuchFile(err) || (err as { code?: unknown }).code === 'ENOTDIR') continue;
        throw err;
      }
      for (const entry of entries) {
        if (!hidden && entry.name.startsWith('.')) continue;
        const relative = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
        if (entry.type === 'd') stack.push(relative);
        else if (entry.type === '-')
          files.push({ relative, size: entry.size, modifiedAt: new Date(entry.modifyTime) });
      }
    }
    return files;
  }

  #sizeMismatch(key: string, sent: number, stored: number): LifeboatError {
    return new LifeboatError(
      'CHECKSUM_MISMATCH',
      `object "${key}" in storage "${this.name}" has ${stored} bytes on the server, ${sent} were sent`,
      {
        hint: 'the server stored something else than was sent; nothing was kept, run the backup again',
        details: { storage: this.name, key, expected: sent, stored },
      },
    );
  }

  #pathOf(key: string): string {
    return posix.join(this.#root, ...keySegments(key));
  }

  #ctx(action: string, key?: string, signal?: AbortSignal): SftpErrorContext {
    return { storage: this.name, location: this.location, action, key, signal };
  }
}

/** Writes one chunk, waiting for the SFTP window (backpressure) or failing with the stream. */
async function write(file: Writable, chunk: Buffer): Promise<void> {
  if (file.destroyed) throw file.errored ?? new Error('the remote file was closed');
  if (file.write(chunk)) return;
  // The listener that loses the race is removed: a large upload waits for drain thousands of
  // times, and leftover 'close' listeners would pile up on the stream until it ends.
  const done = new AbortController();
  try {
    await Promise.race([
      once(file, 'drain', { signal: done.signal }),
      once(file, 'close', { signal: done.signal }).then(() => {
        throw file.errored ?? new Error('the remote file was closed');
      }),
    ]);
  } finally {
    done.abort();
  }
}

/**
 * `mkdir -p` that tolerates concurrent puts creating the same directories (the client's own
 * recursive mkdir fails when another request wins the race).
 */
async function ensureDir(client: SftpClient, dir: string): Promise<void> {
  if ((await client.exists(dir)) === 'd') return;
  const parent = posix.dirname(dir);
  if (parent !== dir) await ensureDir(client, parent);
  try {
    await client.mkdir(dir, false);
  } catch (err) {
    if ((await client.exists(dir)) !== 'd') throw err;
  }
}

/** Who waits for each connection to be lost: one listener per event, however many operations. */
const lostWatchers = new WeakMap<SftpClient, Set<() => void>>();

/**
 * Calls `fn` when the SSH connection ends or fails; returns a function that detaches it.
 * Concurrent operations share one listener per event on the connection instead of adding
 * their own (a dozen parallel puts would otherwise trip Node's listener-leak warning).
 */
function onLost(client: SftpClient, fn: () => void): () => void {
  let watchers = lostWatchers.get(client);
  if (watchers === undefined) {
    const set = new Set<() => void>();
    watchers = set;
    lostWatchers.set(client, set);
    const notify = (): void => [...set].forEach((watcher) => watcher());
    for (const event of ['close', 'end', 'error'] as const) client.on(event, notify);
  }
  watchers.add(fn);
  return () => void watchers.delete(fn);
}
