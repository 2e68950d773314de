import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { writerFor } from '../../src/jobs/backup/dump.js';
import { storeEverywhere } from '../../src/jobs/backup/store.js';
import { openArtifactReader } from '../../src/pipeline/artifact-reader.js';
import { buildBackupPipeline } from '../../src/pipeline/backup-pipeline.js';
import { codecFor, codecForKey } from '../../src/pipeline/compression.js';
import { DataFlow } from '../../src/progress/flow.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import { isNotExist, type Storage } from '../../src/storage/storage.js';
import { FaultyStorage } from '../../src/storage/wrappers/faulty-storage.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startS3Server } from '../support/s3-server.js';
import { readAll, sha256 } from '../support/storage-bodies.js';
import { localStorageUnderTest } from '../support/storage-local.js';
import { bucketResidue, s3Options } from '../support/storage-s3.js';
import { feed, sha256sum, sqlText, xxhsum } from './pipeline-helpers.js';

const signal = (): AbortSignal => new AbortController().signal;

/** Runs a backup of `text` into `storage` the way the backup job does. */
async function backUp(
  storage: Storage,
  key: string,
  text: string,
  compression = 'gzip',
  sig = signal(),
) {
  const p = buildBackupPipeline({ compression, signal: sig, blockSize: 64 * 1024 });
  const [put] = await Promise.all([
    storage.put(key, p.output, { signal: sig, expect: () => p.artifactHash() }),
    feed(p.input, text),
  ]);
  await p.done();
  return { p, put };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('backup pipeline into storage', () => {
  it('stores an artifact gunzip reads, with hashes sha256sum agrees with and stage results', async () => {
    const sut = await localStorageUnderTest();
    cleanups.push(() => sut.cleanup());
    const text = sqlText(1024 * 1024);
    const { p, put } = await backUp(sut.storage, 'app/a.sql.gz', text);
    const file = join(sut.root, 'app', 'a.sql.gz');
    execFileSync('gunzip', ['-t', file]);
    expect(execFileSync('gunzip', ['-c', file], { maxBuffer: 64 << 20 }).toString()).toBe(text);
    const artifact = p.artifactHash();
    expect(artifact.sha256).toBe(execFileSync('sha256sum', [file]).toString().split(' ')[0]);
    expect(put).toEqual({ key: 'app/a.sql.gz', ...artifact });
    expect(p.contentHash()).toEqual({ size: text.length, xxh64: xxhsum(Buffer.from(text)) });
    expect(p.results()).toEqual([
      { stage: 'xxh64', of: 'content', xxh64: p.contentHash().xxh64 },
      { stage: 'size', of: 'content', bytes: text.length },
      {
        stage: 'gzip',
        of: 'artifact',
        level: 6,
        blockSize: 65536,
        members: Math.ceil(text.length / 65536),
      },
      { stage: 'sha256', of: 'artifact', sha256: artifact.sha256 },
      { stage: 'size', of: 'artifact', bytes: artifact.size },
    ]);
    expect(p.codec.extension).toBe('.gz');

    const reader = await openArtifactReader(sut.storage, 'app/a.sql.gz', {
      compression: 'gzip',
      signal: signal(),
      expected: artifact,
      contentChecksum: 'xxh64',
    });
    expect((await readAll(reader.content)).toString()).toBe(text);
    expect(reader.result()).toEqual({ complete: true, artifact, content: p.contentHash() });
  });

  it('stores plain text with compression none', async () => {
    const storage = new MemoryStorage({ name: 'm' });
    const text = sqlText(100_000);
    const { p } = await backUp(storage, 'a.sql', text, 'none');
    const bytes = Buffer.from(text);
    const artifact = { size: text.length, sha256: sha256sum(bytes) };
    expect(p.contentHash()).toEqual({ size: text.length, xxh64: xxhsum(bytes) });
    expect(p.artifactHash()).toEqual(artifact);
    expect(p.results()).toEqual([
      { stage: 'xxh64', of: 'content', xxh64: xxhsum(bytes) },
      { stage: 'size', of: 'content', bytes: text.length },
      { stage: 'none', of: 'artifact' },
      { stage: 'sha256', of: 'artifact', sha256: artifact.sha256 },
      { stage: 'size', of: 'artifact', bytes: text.length },
    ]);
    expect((await readAll(await storage.get('a.sql'))).toString()).toBe(text);
    const reader = await openArtifactReader(storage, 'a.sql', {
      compression: 'none',
      signal: signal(),
    });
    expect((await readAll(reader.content)).toString()).toBe(text);
  });

  it('fails the producer with the storage error and stores nothing when the upload breaks', async () => {
    const inner = new MemoryStorage({ name: 'm' });
    const storage = new FaultyStorage(inner, { cutPut: { afterBytes: 50_000, how: 'error' } });
    const p = buildBackupPipeline({ compression: 'gzip', signal: signal(), blockSize: 16 * 1024 });
    const results = await Promise.allSettled([
      storage.put('a.sql.gz', p.output, { signal: signal(), expect: () => p.artifactHash() }),
      feed(p.input, sqlText(2 * 1024 * 1024)),
      p.done(),
    ]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toContain(
        'stream cut after 50000 bytes',
      );
    }
    expect(await keysFrom(inner)).toEqual([]);
  });

  it('catches a silently short upload through expect', async () => {
    const inner = new MemoryStorage({ name: 'm' });
    const storage = new FaultyStorage(inner, { cutPut: { afterBytes: 1000, how: 'end' } });
    const err = await backUp(storage, 'a.sql.gz', sqlText(300_000)).catch((e: unknown) => e);
    expect(isLifeboatError(err, 'CHECKSUM_MISMATCH'), String(err)).toBe(true);
    expect(await keysFrom(inner)).toEqual([]);
  });

  it('aborts producer and storage with ABORTED and stores nothing', async () => {
    const storage = new MemoryStorage({ name: 'm' });
    const controller = new AbortController();
    const p = buildBackupPipeline({ compression: 'gzip', signal: controller.signal });
    const put = storage.put('a.sql.gz', p.output, {
      signal: controller.signal,
      expect: () => p.artifactHash(),
    });
    const endless = Readable.from(
      (async function* () {
        for (;;) {
          yield 'INSERT INTO t VALUES (1);\n'.repeat(1000);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
    );
    const producing = pipeline(endless, p.input);
    setTimeout(() => controller.abort(), 50);
    const [putResult, produced] = await Promise.allSettled([put, producing]);
    expect(isLifeboatError((putResult as PromiseRejectedResult).reason, 'ABORTED')).toBe(true);
    expect(isLifeboatError((produced as PromiseRejectedResult).reason, 'ABORTED')).toBe(true);
    await expect(p.done()).rejects.toThrow('operation interrupted');
    expect(await keysFrom(storage)).toEqual([]);
  });

  it('streams 256 MiB with bounded memory', async () => {
    const block = Buffer.from(sqlText(64 * 1024).slice(0, 64 * 1024));
    const p = buildBackupPipeline({ compression: 'gzip', level: 1, signal: signal() });
    let peak = 0;
    const sampler = setInterval(
      () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)),
      5,
    );
    const before = process.memoryUsage().arrayBuffers;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 256 * 16; i += 1) yield block;
      })(),
    );
    let stored = 0;
    const consume = (async () => {
      for await (const chunk of p.output) stored += (chunk as Buffer).length;
    })();
    await Promise.all([pipeline(source, p.input), consume]);
    clearInterval(sampler);
    expect(p.contentHash().size).toBe(256 * 1024 * 1024);
    expect(stored).toBe(p.artifactHash().size);
    // The window is 2 × cores blocks of 1 MiB plus their output; with garbage not yet collected
    // this measures ~35 MiB whatever the input size, and ~300 MiB when the window is unbounded.
    expect(peak - before).toBeLessThan(96 * 1024 * 1024);
  });
});

describe('reading artifacts', () => {
  async function stored(): Promise<{
    inner: MemoryStorage;
    text: string;
    artifact: { size: number; sha256: string };
    gz: Buffer;
  }> {
    const inner = new MemoryStorage({ name: 'm' });
    const text = sqlText(400_000);
    const { p } = await backUp(inner, 'a.sql.gz', text);
    return {
      inner,
      text,
      artifact: p.artifactHash(),
      gz: await readAll(await inner.get('a.sql.gz')),
    };
  }

  async function readWith(
    storage: Storage,
    expected?: { size: number; sha256: string },
  ): Promise<{ err: unknown; data: Buffer }> {
    const reader = await openArtifactReader(storage, 'a.sql.gz', {
      compression: 'gzip',
      signal: signal(),
      ...(expected ? { expected } : {}),
    });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of reader.content) chunks.push(chunk as Buffer);
      return { err: undefined, data: Buffer.concat(chunks) };
    } catch (err) {
      expect(reader.result().complete).toBe(false);
      return { err, data: Buffer.concat(chunks) };
    }
  }

  it('reports a file cut inside a member as ARTIFACT_CORRUPT', async () => {
    const { inner, gz } = await stored();
    const { err } = await readWith(
      new FaultyStorage(inner, { truncateReadAt: Math.floor(gz.length / 2) + 7 }),
    );
    expect(isLifeboatError(err, 'ARTIFACT_CORRUPT'), String(err)).toBe(true);
    expect((err as Error).message).toBe('artifact "a.sql.gz" is corrupt: unexpected end of file');
    expect((err as { hint?: string }).hint).toBeTruthy();
    const cutTrailer = await readWith(new FaultyStorage(inner, { truncateReadAt: gz.length - 4 }));
    expect(isLifeboatError(cutTrailer.err, 'ARTIFACT_CORRUPT')).toBe(true);
  });

  it('reports a flipped bit as ARTIFACT_CORRUPT', async () => {
    const { inner, gz } = await stored();
    for (const offset of [100, Math.floor(gz.length / 3), gz.length - 6]) {
      const { err } = await readWith(new FaultyStorage(inner, { flipBit: { offset, bit: 2 } }));
      expect(isLifeboatError(err, 'ARTIFACT_CORRUPT'), `offset ${offset}: ${String(err)}`).toBe(
        true,
      );
    }
  });

  it('catches what gzip cannot see (cut between members, flipped header byte) with expected', async () => {
    const { inner, artifact, text } = await stored();
    const firstMember = (await inner.get('a.sql.gz').then(readAll)).indexOf(
      Buffer.from([0x1f, 0x8b, 0x08]),
      10,
    );
    const boundary = new FaultyStorage(inner, { truncateReadAt: firstMember });
    // gzip alone reads a shorter, valid file: only the manifest's hash can tell.
    const silent = await readWith(boundary);
    expect(silent.err).toBeUndefined();
    expect(silent.data.length).toBe(64 * 1024);
    expect(silent.data.toString()).toBe(text.slice(0, 64 * 1024));
    const checked = await readWith(boundary, artifact);
    expect(isLifeboatError(checked.err, 'CHECKSUM_MISMATCH'), String(checked.err)).toBe(true);
    // Byte 4 is the header's MTIME: gunzip ignores it.
    const mtime = await readWith(new FaultyStorage(inner, { flipBit: { offset: 4 } }), artifact);
    expect(isLifeboatError(mtime.err, 'CHECKSUM_MISMATCH')).toBe(true);
  });

  it('reports a storage read failure as it is and a missing key as not found', async () => {
    const { inner } = await stored();
    await expect(
      openArtifactReader(inner, 'missing.sql.gz', { compression: 'gzip', signal: signal() }),
    ).rejects.toSatisfy(isNotExist);
    await expect(
      openArtifactReader(new FaultyStorage(inner, { failGet: 1 }), 'a.sql.gz', {
        compression: 'gzip',
        signal: signal(),
      }),
    ).rejects.toThrow('injected fault');
    await expect(
      openArtifactReader(inner, 'a.sql.gz', { compression: 'brotli', signal: signal() }),
    ).rejects.toThrow(
      expect.objectContaining({ code: 'USAGE', message: 'unknown compression "brotli"' }),
    );
  });

  it('hands content to an async consumer and measures the artifact', async () => {
    const { inner, artifact, text } = await stored();
    const reader = await openArtifactReader(inner, 'a.sql.gz', {
      compression: 'gzip',
      signal: signal(),
    });
    let size = 0;
    for await (const chunk of reader.content as AsyncIterable<Buffer>) size += chunk.length;
    expect(size).toBe(text.length);
    expect(reader.result().artifact).toEqual(artifact);
  });

  it('checksums the content with the algorithm asked for: version 2 XXH64, version 1 SHA-256', async () => {
    const { inner, text } = await stored();
    const content = async (contentChecksum: 'xxh64' | 'sha256') => {
      const reader = await openArtifactReader(inner, 'a.sql.gz', {
        compression: 'gzip',
        signal: signal(),
        contentChecksum,
      });
      for await (const _chunk of reader.content as AsyncIterable<Buffer>);
      return reader.result().content;
    };
    const bytes = Buffer.from(text);
    expect(await content('xxh64')).toEqual({ size: text.length, xxh64: xxhsum(bytes) });
    expect(await content('sha256')).toEqual({ size: text.length, sha256: sha256(bytes) });
  });

  it('skips the content checksum by default, still checking the stored bytes (restore)', async () => {
    const { inner, artifact, text } = await stored();
    const reader = await openArtifactReader(inner, 'a.sql.gz', {
      compression: 'gzip',
      signal: signal(),
      expected: artifact,
    });
    for await (const _chunk of reader.content as AsyncIterable<Buffer>);
    expect(reader.result()).toEqual({
      complete: true,
      artifact,
      content: { size: text.length },
    });
  });
});

describe('compression registry', () => {
  it('names extensions and guesses compression from keys', () => {
    expect(codecFor('gzip').extension).toBe('.gz');
    expect(codecFor('none').extension).toBe('');
    expect(codecForKey('app_2026.sql.gz')).toBe('gzip');
    expect(codecForKey('app_2026.sql')).toBe('none');
  });
});

async function keysFrom(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of storage.list('')) keys.push(info.key);
  return keys;
}

describe('per-stage byte counters (the stall watch reads them)', () => {
  it('count every stage and name nothing once the backup is done', async () => {
    const storage = new MemoryStorage({ name: 'm' });
    const sig = signal();
    const p = buildBackupPipeline({ compression: 'gzip', signal: sig, blockSize: 64 * 1024 });
    const flow = new DataFlow();
    flow.add(...p.flow);
    const text = sqlText(500_000);
    const [[outcome]] = await Promise.all([
      storeEverywhere(
        p.output,
        [storage],
        'a.sql.gz',
        () => p.artifactHash(),
        sig,
        (u) => flow.add(...u),
      ),
      feed(p.input, text),
    ]);
    expect(outcome?.ok).toBe(true);
    const size = p.artifactHash().size;
    expect(flow.snapshot()).toEqual([
      { stage: 'dump', bytes: text.length, state: 'done' },
      { stage: 'compress', bytes: size, state: 'done' },
      { stage: 'upload:m', bytes: size, state: 'done' },
    ]);
    expect(flow.finished()).toBe(true);
    expect(flow.blame()).toBeUndefined();
  });

  it('blame the stalled upload, not the dump its backpressure stopped', async () => {
    const server = await startS3Server();
    const proxy = await startFaultProxy(server.port);
    const local = await localStorageUnderTest();
    // Small parts, one at a time: the stalled upload pushes back on the dump after ~10 MiB.
    const offsite = new S3Storage({
      ...s3Options(server, { partSize: 5 * 1024 * 1024, queueSize: 1, maxAttempts: 1 }),
      endpoint: `http://127.0.0.1:${proxy.port}`,
    });
    cleanups.push(async () => {
      offsite.close();
      await proxy.stop();
      await server.stop();
      await local.cleanup();
    });
    proxy.inject({ kind: 'stall', afterBytes: 1024 * 1024 });
    const controller = new AbortController();
    const p = buildBackupPipeline({ compression: 'gzip', signal: controller.signal });
    const flow = new DataFlow();
    flow.add(...p.flow);
    const stored = storeEverywhere(
      p.output,
      [local.storage, offsite],
      'a.sql.gz',
      () => p.artifactHash(),
      controller.signal,
      (u) => flow.add(...u),
    );
    // A dump that never ends: random text gzip cannot shrink, written with backpressure.
    const writer = writerFor(p.input, controller.signal);
    const dumping = (async () => {
      for (;;) await writer.write(randomBytes(64 * 1024).toString('base64'));
    })().catch((err: unknown) => err);
    // Nothing moves for a second: the bytes are stuck.
    let total = -1;
    while (flow.total() !== total) {
      total = flow.total();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(flow.blame()).toBe('upload:offsite');
    expect(flow.snapshot().map((s) => [s.stage, s.state])).toEqual([
      ['dump', 'held-back'],
      ['compress', 'held-back'],
      ['upload:local', 'starved'],
      ['upload:offsite', 'working'],
    ]);
    const [dumped, , , offsiteTook] = flow.snapshot().map((s) => s.bytes);
    expect(dumped).toBeGreaterThan(5 * 1024 * 1024);
    expect(offsiteTook).toBeLessThan(dumped as number);

    controller.abort();
    const outcomes = await stored;
    expect(outcomes.map((o) => o.ok)).toEqual([false, false]);
    // The writer waiting for the pipeline to drain is released by the abort.
    expect(await dumping).toBeInstanceOf(Error);
    expect(await local.residue()).toEqual([]);
    expect(await bucketResidue(server)).toEqual([]);
  });
});
