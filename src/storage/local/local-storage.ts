import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fromFsError, systemCode, throwIfAborted } from '../../errors/index.js';
import { abortedError, whenAborted } from '../abort.js';
import { keySegments } from '../key.js';
import { notExist } from '../not-exist.js';
import { checkExpected, receiveBody, stopBody } from '../receive.js';
import type { ObjectInfo, PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';
import { PARTIAL_MAX_AGE_MS, partialPathFor, removeStalePartials } from './local-partials.js';
import { walkFiles } from './local-walk.js';

/** Configuration of a {@link LocalStorage}. */
export interface LocalStorageOptions {
  readonly name: string;
  /** Absolute root directory; created on the first put. */
  readonly path: string;
}

/**
 * Objects as files under a root directory. A put writes a hidden temp file beside the target,
 * fsyncs it, checks the writer's expectation, renames it into place and fsyncs the directory,
 * so after a crash an object is either complete or absent (hidden temps are never listed).
 */
export class LocalStorage implements Storage {
  readonly name: string;
  readonly kind = 'local';
  readonly location: string;
  readonly #root: string;

  constructor(options: LocalStorageOptions) {
    this.name = options.name;
    this.#root = resolve(options.path);
    this.location = this.#root;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const path = this.#pathOf(key);
    let temp: string | undefined;
    let handle: FileHandle | undefined;
    let renamed = false;
    try {
      throwIfAborted(options.signal);
      await mkdir(dirname(path), { recursive: true }).catch((err) => {
        throw fromFsError(err, 'creating the directory of', path);
      });
      temp = partialPathFor(path);
      handle = await open(temp, 'wx').catch((err) => {
        throw fromFsError(err, 'writing', path);
      });
      const file = handle;
      const received = await receiveBody(body, {
        storage: this.name,
        key,
        signal: options.signal,
        sink: async (chunk) => {
          await file.write(chunk);
        },
        sinkError: (err) => fromFsError(err, 'writing', path),
      });
      await file.sync().catch((err) => {
        throw fromFsError(err, 'writing', path);
      });
      await file.close();
      handle = undefined;
      checkExpected(this.name, key, received, options.expect);
      // Last chance to stop: after the rename the object is visible.
      throwIfAborted(options.signal);
      await rename(temp, path).catch((err) => {
        throw fromFsError(err, 'writing', path);
      });
      temp = undefined;
      renamed = true;
      await syncDirectory(dirname(path));
      return { key, ...received };
    } catch (err) {
      stopBody(body, err);
      await handle?.close().catch(() => undefined);
      if (temp !== undefined) await unlink(temp).catch(() => undefined);
      // The rename happened but may not be durable: a failed put must not leave it visible.
      if (renamed) await unlink(path).catch(() => undefined);
      throw fromFsError(err, 'writing', path);
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<Readable> {
    const path = this.#pathOf(key);
    throwIfAborted(options.signal);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw notExist(this.name, key);
      }
    } catch (err) {
      throw this.#missingOr(err, key, 'reading', path);
    }
    const stream = handle.createReadStream();
    const { signal } = options;
    const detach = whenAborted(signal, () => stream.destroy(abortedError(signal as AbortSignal)));
    stream.once('close', detach);
    return stream;
  }

  async stat(key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    const path = this.#pathOf(key);
    throwIfAborted(options.signal);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw notExist(this.name, key);
      return { key, size: info.size, modifiedAt: info.mtime };
    } catch (err) {
      throw this.#missingOr(err, key, 'reading', path);
    }
  }

  async *list(prefix: string, options: ReadOptions = {}): AsyncIterable<ObjectInfo> {
    // Start at the deepest directory the prefix names, instead of walking the whole tree.
    const slash = prefix.lastIndexOf('/');
    const start = slash < 0 ? '' : prefix.slice(0, slash);
    if (start !== '') keySegments(start);
    try {
      for await (const file of walkFiles(this.#root, start, false, options.signal)) {
        if (!file.relative.startsWith(prefix)) continue;
        const info = await stat(file.absolute).catch((err) => {
          if (systemCode(err) === 'ENOENT') return undefined; // removed while listing
          throw err;
        });
        if (info !== undefined)
          yield { key: file.relative, size: info.size, modifiedAt: info.mtime };
      }
    } catch (err) {
      throw fromFsError(err, 'listing', join(this.#root, start));
    }
  }

  async remove(key: string): Promise<void> {
    const path = this.#pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return;
      throw fromFsError(err, 'removing', path);
    }
  }

  /**
   * Removes temp files of puts whose process died (or older than `maxAgeMs`, default a day).
   * The backup job calls it before writing; returns the relative paths removed.
   */
  async cleanupPartials(
    options: { maxAgeMs?: number; signal?: AbortSignal } = {},
  ): Promise<string[]> {
    try {
      return await removeStalePartials(
        this.#root,
        options.maxAgeMs ?? PARTIAL_MAX_AGE_MS,
        options.signal,
      );
    } catch (err) {
      throw fromFsError(err, 'cleaning up', this.#root);
    }
  }

  #pathOf(key: string): string {
    return join(this.#root, ...keySegments(key));
  }

  #missingOr(err: unknown, key: string, action: string, path: string): Error {
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')
      return notExist(this.name, key, err);
    return fromFsError(err, action, path);
  }
}

/** Makes a rename durable: without it a crash may forget the new directory entry. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    throw fromFsError(err, 'syncing the directory', dir);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
