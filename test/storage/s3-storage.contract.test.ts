import { afterAll, beforeAll } from 'vitest';
import { runStorageContract } from '../contract/storage.contract.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { s3StorageUnderTest } from '../support/storage-s3.js';

let server: TestS3Server;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server.stop();
});

// maxKeys 100: the 1200-object listing test walks 12+ pages of continuation tokens.
runStorageContract('s3 (s3rver)', async () => s3StorageUnderTest(server, { maxKeys: 100 }));
