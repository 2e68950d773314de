import { afterAll, beforeAll } from 'vitest';
import { runStorageContract } from '../contract/storage.contract.js';
import { startSshServer, type TestSshServer } from '../support/sshd-server.js';
import { sftpStorageUnderTest } from '../support/storage-sftp.js';

let server: TestSshServer;
beforeAll(async () => {
  server = await startSshServer();
});
afterAll(async () => {
  await server.stop();
});

runStorageContract('sftp (OpenSSH sshd)', () => sftpStorageUnderTest(server));
