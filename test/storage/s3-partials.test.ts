import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/storage/s3/s3-client.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import { collect, lifeboat, startLifeboat, tempDir } from '../support/cli.js';
import { sqlite3 } from '../support/sqlite-cli.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { emptyBucket, s3Options, s3StorageYaml } from '../support/storage-s3.js';

const DAY = 24 * 60 * 60 * 1000;

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  await server.clearFaults();
  for (const id of await server.pendingUploads()) await server.backdateUpload(id, new Date(0));
  // Whatever earlier tests left is aborted through the code under test's own path.
  const sweep = new S3Storage(s3Options(server, { prefix: '' }));
  await sweep.cleanupPartials({ maxAgeMs: 0 });
  sweep.close();
  await emptyBucket(server);
});

/** Starts `count` multipart uploads of `key` (full object keys) and returns their ids. */
async function startUploads(keys: readonly string[]): Promise<string[]> {
  const client = createS3Client(s3Options(server));
  const ids: string[] = [];
  for (const Key of keys) {
    const out = await client.send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key }));
    ids.push(out.UploadId as string);
  }
  client.destroy();
  return ids;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('S3 cleanupPartials', () => {
  it('aborts only uploads under its prefix older than maxAgeMs, across pages', async () => {
    const options = s3Options(server, { maxKeys: 2 });
    const storage = new S3Storage(options);
    const prefix = options.prefix as string;
    const mine = ['a.sql.gz', 'b.sql.gz', 'c/d.sql.gz', 'e.sql.gz', 'f.sql.gz'];
    const ids = await startUploads([...mine.map((k) => prefix + k), 'elsewhere/x.sql.gz']);
    const old = new Date(Date.now() - 2 * DAY);
    // Four of mine are two days old, one is fresh; the one outside the prefix is old too.
    for (const id of [...ids.slice(0, 4), ids[5] as string]) await server.backdateUpload(id, old);

    const listings = async (): Promise<number> =>
      (await server.requests()).filter((r) => /^GET \/[^?]+\?(.*&)?uploads\b/.test(r)).length;
    expect(await storage.cleanupPartials({ maxAgeMs: 3 * DAY })).toEqual([]);
    const before = await listings();
    // The default age is a day.
    expect((await storage.cleanupPartials()).sort()).toEqual(mine.slice(0, 4));
    expect((await server.pendingUploads()).sort()).toEqual([ids[4], ids[5]].sort());
    // Five uploads under the prefix, two a page: the server was asked three times.
    expect((await listings()) - before).toBe(3);
    expect(await storage.cleanupPartials({ maxAgeMs: 0 })).toEqual(['f.sql.gz']);
    expect(await server.pendingUploads()).toEqual([ids[5]]);
    storage.close();
  });

  it('treats a server without ListMultipartUploads as having nothing to clean', async () => {
    const options = s3Options(server, { maxAttempts: 2 });
    const storage = new S3Storage(options);
    const [id] = await startUploads([`${options.prefix as string}x.sql.gz`]);
    await server.failNext(5, { status: 501, code: 'NotImplemented', method: 'GET' });
    expect(await storage.cleanupPartials({ maxAgeMs: 0 })).toEqual([]);
    expect(await server.pendingUploads()).toEqual([id]);
    storage.close();
  });

  it('fails clearly when listing unfinished uploads keeps failing', async () => {
    const storage = new S3Storage(s3Options(server, { maxAttempts: 2 }));
    await server.failNext(2, { status: 403, code: 'AccessDenied', method: 'GET' });
    await expect(storage.cleanupPartials()).rejects.toMatchObject({
      message: expect.stringContaining('listing unfinished uploads'),
    });
    storage.close();
  });

  it('a backup killed mid-upload leaves a multipart upload that the next backup aborts once a day old', async () => {
    const dir = tempDir();
    // Incompressible enough, and stored uncompressed: well over one 16 MiB part.
    sqlite3(
      join(dir, 'app.db'),
      `CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT);
       WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 24000)
       INSERT INTO blobs(body) SELECT hex(randomblob(512)) FROM seq;`,
    );
    const prefix = s3Options(server).prefix as string;
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        'storage:',
        ...s3StorageYaml(server, 'offsite', prefix, ['max_attempts: 20']),
        'defaults: { storage: [offsite], compress: none }',
        '',
      ].join('\n'),
    );
    // Every part upload is refused, so the backup sits in its retries with the upload open.
    await server.failNext(10_000, { status: 503, code: 'SlowDown', method: 'PUT' });
    const child = startLifeboat(['backup', 'sqlite:./app.db'], { cwd: dir });
    const done = collect(child);
    await until(async () => (await server.pendingUploads()).length > 0, 60_000);
    child.kill('SIGKILL');
    await done;
    await server.clearFaults();
    const [left, ...more] = await server.pendingUploads();
    expect(more).toEqual([]);
    expect(left).toBeDefined();

    // The next backup keeps it: it may belong to a backup still running elsewhere.
    const next = await lifeboat(['backup', 'sqlite:./app.db', '--json'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(await server.pendingUploads()).toEqual([left]);
    const listed = await lifeboat(['list', '--json'], { cwd: dir });
    expect((JSON.parse(listed.stdout) as { artifacts: unknown[] }).artifacts).toHaveLength(1);

    // A day later it is a dead process's leftover, and the next backup aborts it.
    await server.backdateUpload(left as string, new Date(Date.now() - DAY - 60_000));
    const later = await lifeboat(['backup', 'sqlite:./app.db', '--json'], { cwd: dir });
    expect(later.code, later.stderr).toBe(0);
    expect(await server.pendingUploads()).toEqual([]);
  }, 180_000);
});
