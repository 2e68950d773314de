import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { bodyOf, keysOf, randomData, readAll, sha256 } from '../support/storage-bodies.js';
import { bucketResidue, emptyBucket, s3Options } from '../support/storage-s3.js';

let server: TestS3Server;
let proxy: FaultProxy;
const opened: S3Storage[] = [];

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startFaultProxy(server.port);
});
afterAll(async () => {
  await proxy.stop();
  await server.stop();
});
afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  proxy.inject({ kind: 'pass' });
  await emptyBucket(server);
});

/** A storage whose every request goes through the fault proxy; `direct` bypasses it. */
function storages(extra: Partial<ConstructorParameters<typeof S3Storage>[0]> = {}): {
  viaProxy: S3Storage;
  direct: S3Storage;
} {
  const options = s3Options(server, extra);
  const viaProxy = new S3Storage({ ...options, endpoint: `http://127.0.0.1:${proxy.port}` });
  const direct = new S3Storage(options);
  opened.push(viaProxy, direct);
  return { viaProxy, direct };
}

const signal = (): AbortSignal => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as Error,
  );
}

describe('s3 storage under faults', () => {
  it('uploads several multipart parts and reads them back', async () => {
    const { direct } = storages();
    const data = randomData(12 * 1024 * 1024 + 7);
    await direct.put('multi.bin', bodyOf(data), {
      signal: signal(),
      expect: () => ({ size: data.length, sha256: sha256(data) }),
    });
    const requests = await server.requests();
    expect(requests.filter((r) => r.includes('partNumber')).length).toBe(3);
    expect(sha256(await readAll(await direct.get('multi.bin')))).toBe(sha256(data));
    expect(await server.pendingUploads()).toEqual([]);
  });

  it('retries a part whose connection is reset mid-upload', async () => {
    const { viaProxy, direct } = storages();
    const data = randomData(11 * 1024 * 1024);
    proxy.inject({ kind: 'reset', afterBytes: 2 * 1024 * 1024 }, 1);
    await viaProxy.put('reset.bin', bodyOf(data), { signal: signal() });
    expect(sha256(await readAll(await direct.get('reset.bin')))).toBe(sha256(data));
    expect(await bucketResidue(server)).toHaveLength(1);
  });

  it('fails clearly and leaves nothing when every connection is reset', async () => {
    const { viaProxy, direct } = storages({ maxAttempts: 2 });
    proxy.inject({ kind: 'reset', afterBytes: 256 * 1024 });
    const data = randomData(11 * 1024 * 1024);
    const err = await failure(viaProxy.put('dead.bin', bodyOf(data), { signal: signal() }));
    expect(isLifeboatError(err, 'IO_ERROR'), String(err)).toBe(true);
    expect(err.message).toMatch(/uploading "dead.bin" in storage "offsite"/);
    expect(await keysOf(direct.list(''))).toEqual([]);
    expect(await server.pendingUploads()).toEqual([]);
  });

  it('retries 503 SlowDown and 500 answers', async () => {
    const { direct } = storages();
    await server.failNext(2, { status: 503, code: 'SlowDown', method: 'PUT' });
    await server.failNext(1, { status: 500, code: 'InternalError', method: 'GET' });
    const data = randomData(100_000);
    await direct.put('slow.bin', bodyOf(data), { signal: signal() });
    expect(await readAll(await direct.get('slow.bin'))).toEqual(data);
    const puts = (await server.requests()).filter((r) => r.startsWith('PUT') && r.includes('slow'));
    expect(puts.length).toBe(3);
  });

  it('gives up after max_attempts SlowDown answers, with nothing listed', async () => {
    const { direct } = storages({ maxAttempts: 2 });
    await server.failNext(2, { status: 503, code: 'SlowDown', method: 'PUT' });
    const err = await failure(
      direct.put('never.bin', bodyOf(randomData(1000)), { signal: signal() }),
    );
    expect(isLifeboatError(err, 'IO_ERROR'), String(err)).toBe(true);
    expect(err.message).toContain('after 2 attempts');
    expect(await keysOf(direct.list(''))).toEqual([]);
  });

  it('times out a stalled connection and lists nothing', async () => {
    const { viaProxy, direct } = storages({ socketTimeoutMs: 500, maxAttempts: 2 });
    proxy.inject({ kind: 'stall', afterBytes: 64 * 1024 });
    const started = Date.now();
    const err = await failure(
      viaProxy.put('stalled.bin', bodyOf(randomData(6 * 1024 * 1024)), { signal: signal() }),
    );
    expect(isLifeboatError(err, 'IO_ERROR'), String(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await keysOf(direct.list(''))).toEqual([]);
    expect(await server.pendingUploads()).toEqual([]);
  });

  it('never hands out a truncated download as complete', async () => {
    const { viaProxy, direct } = storages({ maxAttempts: 1 });
    const data = randomData(3 * 1024 * 1024);
    await direct.put('whole.bin', bodyOf(data), { signal: signal() });
    proxy.inject({ kind: 'truncate', afterBytes: 512 * 1024 });
    const err = await failure(viaProxy.get('whole.bin').then(readAll));
    expect(
      isLifeboatError(err, 'ARTIFACT_CORRUPT') || isLifeboatError(err, 'IO_ERROR'),
      String(err),
    ).toBe(true);
  });
});
