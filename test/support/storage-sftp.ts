import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { SftpStorageOptions } from '../../src/storage/sftp/sftp-options.js';
import { SftpStorage } from '../../src/storage/sftp/sftp-storage.js';
import type { StorageUnderTest } from '../contract/storage.contract.js';
import type { TestSshServer } from './sshd-server.js';
import { filesUnder } from './storage-local.js';

/** Options of an SftpStorage on the test sshd, logging in with the test key. */
export function sftpOptions(
  server: TestSshServer,
  path: string,
  extra: Partial<SftpStorageOptions> = {},
): SftpStorageOptions {
  return {
    name: 'remote',
    host: server.host,
    port: server.port,
    username: server.username,
    privateKeyPath: server.privateKeyPath,
    knownHosts: server.knownHostsPath,
    path,
    ...extra,
  };
}

/**
 * An SftpStorage over a fresh directory (not created yet) on the test sshd. The server runs on
 * this machine, so the residue check reads that directory directly, temp files included.
 */
export async function sftpStorageUnderTest(
  server: TestSshServer,
  extra: Partial<SftpStorageOptions> = {},
): Promise<StorageUnderTest & { storage: SftpStorage; root: string }> {
  const parent = await mkdtemp(join(server.dataDir, 'run-'));
  const root = join(parent, 'backups');
  const storage = new SftpStorage(sftpOptions(server, root, extra));
  return {
    storage,
    root,
    residue: () => filesUnder(root),
    cleanup: () => storage.close(),
  };
}
