import type { Readable } from 'node:stream';
import type { ObjectInfo, PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';

/**
 * A storage that forwards every call to `inner`. Wrappers (faulty, and later retry, limit,
 * logging) extend it and override only the calls they change, so a wrapper stays a few lines
 * and stacks over any backend in `open-storage.ts`.
 */
export class ForwardingStorage implements Storage {
  readonly #inner: Storage;

  constructor(inner: Storage) {
    this.#inner = inner;
  }

  /** The wrapped storage. */
  get inner(): Storage {
    return this.#inner;
  }

  get name(): string {
    return this.#inner.name;
  }

  get kind(): string {
    return this.#inner.kind;
  }

  get location(): string {
    return this.#inner.location;
  }

  put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    return this.#inner.put(key, body, options);
  }

  get(key: string, options?: ReadOptions): Promise<Readable> {
    return this.#inner.get(key, options);
  }

  stat(key: string, options?: ReadOptions): Promise<ObjectInfo> {
    return this.#inner.stat(key, options);
  }

  list(prefix: string, options?: ReadOptions): AsyncIterable<ObjectInfo> {
    return this.#inner.list(prefix, options);
  }

  remove(key: string): Promise<void> {
    return this.#inner.remove(key);
  }

  async cleanupPartials(options?: {
    readonly maxAgeMs?: number;
    readonly signal?: AbortSignal;
  }): Promise<string[]> {
    return (await this.#inner.cleanupPartials?.(options)) ?? [];
  }
}
