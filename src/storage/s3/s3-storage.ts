import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  AbortMultipartUploadCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { LifeboatError, throwIfAborted } from '../../errors/index.js';
import { whenAborted } from '../abort.js';
import { keySegments } from '../key.js';
import { notExist } from '../not-exist.js';
import { checkExpected, receiveBody, stopBody } from '../receive.js';
import type { ObjectInfo, PutOptions, PutResult, ReadOptions, Storage } from '../storage.js';
import { createS3Client } from './s3-client.js';
import { checkedDownload } from '../checked-download.js';
import { fromS3Error, isMissingKey, type S3ErrorContext } from './s3-errors.js';
import { MultipartWriter } from './s3-multipart.js';
import {
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  normalizePrefix,
  s3Location,
  type S3StorageOptions,
} from './s3-options.js';

/** A day: multipart uploads older than this belong to dead processes. */
const PARTIAL_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Objects in an S3 bucket (AWS or S3-compatible) under a prefix.
 *
 * A put streams straight to the final key with a multipart upload (no temp object, no copy):
 * S3 shows an object only once CompleteMultipartUpload (or the single PutObject of a small
 * body) succeeds, and a failed upload is aborted so its parts vanish ({@link MultipartWriter}).
 * The writer's `expect` is checked when the body ends and *before* the last part is sent and
 * the upload completes; after completion HeadObject confirms the size, and a mismatch deletes
 * the object. Parts are retried by the SDK (backoff, adaptive throttling);
 * the put as a whole cannot be, because its body is a one-shot stream.
 */
export class S3Storage implements Storage {
  readonly name: string;
  readonly kind = 's3';
  readonly location: string;
  readonly #options: S3StorageOptions;
  readonly #prefix: string;
  #client: S3Client | undefined;

  constructor(options: S3StorageOptions, client?: S3Client) {
    this.name = options.name;
    this.#options = options;
    this.#prefix = normalizePrefix(options.prefix);
    this.location = s3Location(options);
    this.#client = client;
  }

  /** Created on first use, so opening a storage that a command does not touch costs nothing. */
  get #s3(): S3Client {
    this.#client ??= createS3Client(this.#options);
    return this.#client;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<PutResult> {
    const { signal } = options;
    const ctx = this.#ctx(`uploading "${key}"`, key, signal);
    // Data requests end with the put: a part stuck on a dead connection would otherwise hold a
    // failed or aborted put until the socket timeout.
    const sending = new AbortController();
    const detachSending = whenAborted(signal, () => sending.abort());
    let writer: MultipartWriter | undefined;
    try {
      keySegments(key);
      throwIfAborted(signal);
      const upload = new MultipartWriter(
        {
          client: this.#s3,
          bucket: this.#options.bucket,
          key: this.#objectKey(key),
          storageClass: this.#options.storageClass,
          serverSideEncryption: this.#options.serverSideEncryption,
          sending: sending.signal,
        },
        {
          partSize: this.#options.partSize ?? DEFAULT_PART_SIZE,
          queueSize: this.#options.queueSize ?? DEFAULT_QUEUE_SIZE,
          ...(this.#options.partsPerSize === undefined
            ? {}
            : { partsPerSize: this.#options.partsPerSize }),
        },
      );
      writer = upload;
      const received = await receiveBody(body, {
        storage: this.name,
        key,
        signal,
        sink: (chunk) => upload.write(chunk),
        sinkError: (err) => fromS3Error(err, ctx),
      });
      // Checked before the last part goes and the upload completes: a body that is not what
      // the writer expected never becomes visible.
      checkExpected(this.name, key, received, options.expect);
      throwIfAborted(signal);
      await upload.complete();
      await this.#confirm(key, received.size, signal);
      return { key, ...received };
    } catch (err) {
      stopBody(body, err);
      sending.abort();
      await writer?.abort();
      throw fromS3Error(err, ctx);
    } finally {
      detachSending();
    }
  }

  /** Checks the stored size after completion; a short object is deleted, never left. */
  async #confirm(key: string, size: number, signal: AbortSignal): Promise<void> {
    const info = await this.stat(key, { signal });
    if (info.size === size) return;
    await this.remove(key).catch(() => undefined);
    throw new LifeboatError(
      'CHECKSUM_MISMATCH',
      `object "${key}" in storage "${this.name}" has ${info.size} bytes after upload, ${size} were sent`,
      {
        hint: 'the server stored something else than was sent; it was deleted, run the backup again',
        details: { storage: this.name, key, expected: size, stored: info.size },
      },
    );
  }

  async get(key: string, options: ReadOptions = {}): Promise<Readable> {
    keySegments(key);
    const { signal } = options;
    throwIfAborted(signal);
    const ctx = this.#ctx(`downloading "${key}"`, key, signal);
    try {
      const out = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#options.bucket, Key: this.#objectKey(key) }),
        { abortSignal: signal },
      );
      const body = out.Body as Readable | undefined;
      if (body === undefined) throw new Error('the response has no body');
      return checkedDownload(body, {
        storage: this.name,
        key,
        expectedSize: out.ContentLength,
        signal,
        mapError: (err) => fromS3Error(err, ctx),
      });
    } catch (err) {
      throw fromS3Error(err, ctx);
    }
  }

  async stat(key: string, options: ReadOptions = {}): Promise<ObjectInfo> {
    keySegments(key);
    const { signal } = options;
    throwIfAborted(signal);
    try {
      const out = await this.#s3.send(
        new HeadObjectCommand({ Bucket: this.#options.bucket, Key: this.#objectKey(key) }),
        { abortSignal: signal },
      );
      return { key, size: out.ContentLength ?? 0, modifiedAt: out.LastModified ?? new Date(0) };
    } catch (err) {
      if (isMissingKey(err)) throw notExist(this.name, key, err);
      throw fromS3Error(err, this.#ctx(`reading "${key}"`, key, signal));
    }
  }

  async *list(prefix: string, options: ReadOptions = {}): AsyncIterable<ObjectInfo> {
    const { signal } = options;
    const ctx = this.#ctx('listing', undefined, signal);
    let token: string | undefined;
    do {
      throwIfAborted(signal);
      const page = await this.#s3
        .send(
          new ListObjectsV2Command({
            Bucket: this.#options.bucket,
            Prefix: this.#prefix + prefix,
            ContinuationToken: token,
            ...(this.#options.maxKeys === undefined ? {} : { MaxKeys: this.#options.maxKeys }),
          }),
          { abortSignal: signal },
        )
        .catch((err: unknown) => {
          throw fromS3Error(err, ctx);
        });
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.#prefix.length);
        // Folder markers and keys lifeboat could not have written are not objects to it.
        if (key === undefined || !isValidKey(key)) continue;
        yield { key, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async remove(key: string): Promise<void> {
    keySegments(key);
    try {
      await this.#s3.send(
        new DeleteObjectCommand({ Bucket: this.#options.bucket, Key: this.#objectKey(key) }),
      );
    } catch (err) {
      if (isMissingKey(err)) return;
      throw fromS3Error(err, this.#ctx(`removing "${key}"`, key));
    }
  }

  /**
   * Aborts multipart uploads under the prefix older than `maxAgeMs` (default a day): what
   * killed processes left. Servers without ListMultipartUploads (some S3-compatible ones)
   * have nothing to clean up as far as lifeboat can tell, so that is not an error.
   */
  async cleanupPartials(
    options: { maxAgeMs?: number; signal?: AbortSignal } = {},
  ): Promise<string[]> {
    const { signal } = options;
    const cutoff = Date.now() - (options.maxAgeMs ?? PARTIAL_MAX_AGE_MS);
    const removed: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      throwIfAborted(signal);
      let page;
      try {
        page = await this.#s3.send(
          new ListMultipartUploadsCommand({
            Bucket: this.#options.bucket,
            Prefix: this.#prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
            ...(this.#options.maxKeys === undefined ? {} : { MaxUploads: this.#options.maxKeys }),
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        const name = (err as { name?: string } | null)?.name;
        if (name === 'NotImplemented') return removed;
        throw fromS3Error(err, this.#ctx('listing unfinished uploads', undefined, signal));
      }
      for (const upload of page.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        if ((upload.Initiated?.getTime() ?? 0) > cutoff) continue;
        await this.#s3.send(
          new AbortMultipartUploadCommand({
            Bucket: this.#options.bucket,
            Key: upload.Key,
            UploadId: upload.UploadId,
          }),
          { abortSignal: signal },
        );
        removed.push(upload.Key.slice(this.#prefix.length));
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      uploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (keyMarker !== undefined);
    return removed;
  }

  /** Closes the SDK's sockets; the storage opens new ones if used again. */
  close(): void {
    this.#client?.destroy();
    this.#client = undefined;
  }

  #objectKey(key: string): string {
    return this.#prefix + key;
  }

  #ctx(action: string, key?: string, signal?: AbortSignal): S3ErrorContext {
    return { storage: this.name, location: this.location, action, key, signal };
  }
}

function isValidKey(key: string): boolean {
  try {
    keySegments(key);
    return true;
  } catch {
    return false;
  }
}
