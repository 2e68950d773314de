import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3/s3-client.js';
import type { S3StorageOptions } from '../../src/storage/s3/s3-options.js';
import { S3Storage } from '../../src/storage/s3/s3-storage.js';
import type { StorageUnderTest } from '../contract/storage.contract.js';
import type { TestS3Server } from './s3-server.js';

let counter = 0;

/** Options of an S3Storage on the test server, with a fresh prefix per storage. */
export function s3Options(
  server: TestS3Server,
  extra: Partial<S3StorageOptions> = {},
): S3StorageOptions {
  counter += 1;
  return {
    name: 'offsite',
    bucket: server.bucket,
    prefix: `run-${process.pid}-${counter}/`,
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    partSize: 5 * 1024 * 1024,
    queueSize: 2,
    maxAttempts: 3,
    ...extra,
  };
}

/** Every key in the bucket and every unfinished multipart upload. */
export async function bucketResidue(server: TestS3Server): Promise<string[]> {
  const client = createS3Client(s3Options(server));
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: server.bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  client.destroy();
  const uploads = (await server.pendingUploads()).map((id) => `(multipart upload ${id})`);
  return [...keys.sort(), ...uploads];
}

/** Empties the bucket, so each contract test starts from nothing. */
export async function emptyBucket(server: TestS3Server): Promise<void> {
  const client = createS3Client(s3Options(server));
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
    if (keys.length === 0) break;
    await client.send(
      new DeleteObjectsCommand({
        Bucket: server.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })) },
      }),
    );
  }
  client.destroy();
}

/** An S3Storage under a fresh prefix of the test server's bucket. */
export function s3StorageUnderTest(
  server: TestS3Server,
  extra: Partial<S3StorageOptions> = {},
): StorageUnderTest & { storage: S3Storage } {
  const storage = new S3Storage(s3Options(server, extra));
  return {
    storage,
    residue: () => bucketResidue(server),
    cleanup: async () => {
      storage.close();
      await emptyBucket(server);
    },
  };
}

/** The lines of a `type: s3` entry under `storage:` in lifeboat.yaml, on the test server. */
export function s3StorageYaml(
  server: Pick<TestS3Server, 'endpoint' | 'bucket'>,
  name: string,
  prefix: string,
  extra: readonly string[] = [],
): string[] {
  return [
    `  ${name}:`,
    '    type: s3',
    `    bucket: ${server.bucket}`,
    `    prefix: ${prefix}`,
    `    endpoint: "${server.endpoint}"`,
    '    access_key_id: S3RVER',
    '    secret_access_key: S3RVER',
    ...extra.map((line) => `    ${line}`),
  ];
}
