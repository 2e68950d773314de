import type { Readable } from 'node:stream';
import { stopBody } from '../receive.js';
import type { ObjectInfo, PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';

/** What a storage says about itself before its backend is loaded. */
export interface LazyStorageInfo {
  readonly name: string;
  readonly kind: string;
  readonly location: string;
}

/**
 * A storage whose backend module is imported on the first call. The S3 and SFTP SDKs cost
 * tens of MiB of memory and noticeable start-up time; a command that only names such a
 * storage in its config (a backup to local disk, `lifeboat list --storage local`) never
 * loads them.
 */
export class LazyStorage implements Storage {
  readonly name: string;
  readonly kind: string;
  readonly location: string;
  readonly #load: () => Promise<Storage>;
  #backend: Promise<Storage> | undefined;

  constructor(info: LazyStorageInfo, load: () => Promise<Storage>) {
    this.name = info.name;
    this.kind = info.kind;
    this.location = info.location;
    this.#load = load;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    let backend: Storage;
    try {
      backend = await this.#backendNow();
    } catch (err) {
      // The body was never read; it must not wait for a reader that will not come.
      stopBody(body, err);
      throw err;
    }
    return backend.put(key, body, options);
  }

  async get(key: string, options?: ReadOptions): Promise<Readable> {
    return (await this.#backendNow()).get(key, options);
  }

  async stat(key: string, options?: ReadOptions): Promise<ObjectInfo> {
    return (await this.#backendNow()).stat(key, options);
  }

  async *list(prefix: string, options?: ReadOptions): AsyncIterable<ObjectInfo> {
    yield* (await this.#backendNow()).list(prefix, options);
  }

  async remove(key: string): Promise<void> {
    return (await this.#backendNow()).remove(key);
  }

  async cleanupPartials(options?: {
    readonly maxAgeMs?: number;
    readonly signal?: AbortSignal;
  }): Promise<string[]> {
    return (await (await this.#backendNow()).cleanupPartials?.(options)) ?? [];
  }

  /** Closes the backend's connections, if it was ever loaded. */
  async close(): Promise<void> {
    const backend = await this.#backend?.catch(() => undefined);
    await (backend as { close?: () => unknown } | undefined)?.close?.();
  }

  #backendNow(): Promise<Storage> {
    this.#backend ??= this.#load().catch((err: unknown) => {
      // A failed import is retried by the next call rather than remembered.
      this.#backend = undefined;
      throw err;
    });
    return this.#backend;
  }
}
