import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLifeboatError } from '../../src/errors/index.js';
import { openAgeSession } from '../../src/pipeline/age-encrypt.js';
import { generateKeyPair } from '../../src/pipeline/age-keys.js';
import { openArtifactReader } from '../../src/pipeline/artifact-reader.js';
import {
  buildBackupPipeline,
  type BackupPipelineOptions,
} from '../../src/pipeline/backup-pipeline.js';
import { checkLevel, codecFor, codecForKey } from '../../src/pipeline/compression.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { readAll } from '../support/storage-bodies.js';
import { localStorageUnderTest } from '../support/storage-local.js';
import { feed, sha256sum, sqlText, tempFile } from './pipeline-helpers.js';

const signal = (): AbortSignal => new AbortController().signal;

async function backUp(
  storage: Storage,
  key: string,
  text: string,
  options: Partial<BackupPipelineOptions> = {},
) {
  const sig = signal();
  const p = buildBackupPipeline({ compression: 'zstd', signal: sig, ...options });
  const [put] = await Promise.all([
    storage.put(key, p.output, { signal: sig, expect: () => p.artifactHash() }),
    feed(p.input, text),
  ]);
  await p.done();
  return { p, put };
}

describe('zstd in the pipeline', () => {
  it('writes what the zstd CLI decompresses, multi-threaded, and reads it back', async () => {
    const sut = await localStorageUnderTest();
    try {
      const text = sqlText(4 * 1024 * 1024);
      const { p } = await backUp(sut.storage, 'a.sql.zst', text, { level: 5, workers: 2 });
      const file = join(sut.root, 'a.sql.zst');
      expect(execFileSync('zstd', ['-dc', file], { maxBuffer: 64 << 20 }).toString()).toBe(text);
      expect(p.results()[2]).toEqual({ stage: 'zstd', of: 'artifact', level: 5, workers: 2 });
      expect(p.artifactHash().size).toBeLessThan(text.length / 4);
      expect(p.codec.extension).toBe('.zst');
      const reader = await openArtifactReader(sut.storage, 'a.sql.zst', {
        compression: 'zstd',
        signal: signal(),
        expected: p.artifactHash(),
        contentChecksum: 'xxh64',
      });
      expect((await readAll(reader.content)).toString()).toBe(text);
      expect(reader.result().content).toEqual(p.contentHash());
    } finally {
      await sut.cleanup();
    }
  });

  it('reads frames written by the zstd CLI (concatenated too)', async () => {
    const text = sqlText(300_000);
    const one = execFileSync('zstd', ['-c', '-19'], { input: text });
    const storage = new MemoryStorage({ name: 'm' });
    const body = Buffer.concat([one, execFileSync('zstd', ['-c'], { input: 'tail;\n' })]);
    await storage.put('x.sql.zst', (await import('node:stream')).Readable.from([body]), {
      signal: signal(),
    });
    const reader = await openArtifactReader(storage, 'x.sql.zst', {
      compression: 'zstd',
      signal: signal(),
    });
    expect((await readAll(reader.content)).toString()).toBe(`${text}tail;\n`);
  });

  it('fails a truncated zstd artifact with ARTIFACT_CORRUPT', async () => {
    const storage = new MemoryStorage({ name: 'm' });
    const { put } = await backUp(storage, 'a.sql.zst', sqlText(1024 * 1024));
    const whole = await readAll(await storage.get('a.sql.zst'));
    await storage.remove('a.sql.zst');
    const { Readable } = await import('node:stream');
    await storage.put('a.sql.zst', Readable.from([whole.subarray(0, put.size - 100)]), {
      signal: signal(),
    });
    const reader = await openArtifactReader(storage, 'a.sql.zst', {
      compression: 'zstd',
      signal: signal(),
    });
    const err = await readAll(reader.content).catch((e: unknown) => e);
    expect(isLifeboatError(err, 'ARTIFACT_CORRUPT'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/^artifact "a.sql.zst" is corrupt: /);
  });

  it('checks levels per codec and maps extensions back to codecs', () => {
    expect(() => checkLevel(codecFor('zstd'), 19)).not.toThrow();
    expect(() => checkLevel(codecFor('gzip'), 12)).toThrow(
      'compression level 12 is out of range for gzip (1-9)',
    );
    expect(() => checkLevel(codecFor('none'), 3)).toThrow('compression "none" has no levels');
    expect(codecForKey('app_x.sql.zst')).toBe('zstd');
    expect(codecForKey('app_x.sql.zst.age')).toBe('zstd');
    expect(codecForKey('app_x.sql.gz.age')).toBe('gzip');
    expect(codecForKey('app_x.sql.age')).toBe('none');
  });
});

describe('compress -> encrypt in the pipeline', () => {
  it('stores an age file: age -d | zstd -d gives the dump; stage results in order', async () => {
    const key = await generateKeyPair();
    const keyFile = tempFile('key.txt', Buffer.from(key.fileText));
    const sut = await localStorageUnderTest();
    try {
      const text = sqlText(2 * 1024 * 1024);
      const encryption = await openAgeSession({ mode: 'x25519', recipients: [key.recipient] });
      const { p } = await backUp(sut.storage, 'a.sql.zst.age', text, { encryption });
      const file = join(sut.root, 'a.sql.zst.age');
      const plain = execFileSync('age', ['-d', '-i', keyFile, file], { maxBuffer: 64 << 20 });
      expect(execFileSync('zstd', ['-dc'], { input: plain, maxBuffer: 64 << 20 }).toString()).toBe(
        text,
      );
      const stages = p.results().map((r) => r.stage);
      expect(stages).toEqual(['xxh64', 'size', 'zstd', 'age', 'sha256', 'size']);
      expect(p.results()[3]).toEqual({
        stage: 'age',
        of: 'artifact',
        recipients: 1,
        mode: 'x25519',
      });
      expect(p.artifactHash().sha256).toBe(sha256sum(execFileSync('cat', [file])));
      const reader = await openArtifactReader(sut.storage, 'a.sql.zst.age', {
        compression: 'zstd',
        encrypted: true,
        decrypt: { identities: [key.identity], passphrases: [] },
        signal: signal(),
        expected: p.artifactHash(),
      });
      expect((await readAll(reader.content)).toString()).toBe(text);
      const noKey = await openArtifactReader(sut.storage, 'a.sql.zst.age', {
        compression: 'zstd',
        encrypted: true,
        signal: signal(),
      }).catch((e: unknown) => e);
      expect(isLifeboatError(noKey, 'KEY_REQUIRED')).toBe(true);
    } finally {
      await sut.cleanup();
    }
  });
});
