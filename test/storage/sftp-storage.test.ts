import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLifeboatError, type LifeboatError } from '../../src/errors/index.js';
import { isNotExist } from '../../src/storage/storage.js';
import { SftpStorage } from '../../src/storage/sftp/sftp-storage.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startSshServer, type TestSshServer } from '../support/sshd-server.js';
import { bodyOf, keysOf, randomData, readAll, sha256 } from '../support/storage-bodies.js';
import { filesUnder } from '../support/storage-local.js';
import { sftpOptions, sftpStorageUnderTest } from '../support/storage-sftp.js';

let server: TestSshServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startSshServer();
  proxy = await startFaultProxy(server.port);
});
afterAll(async () => {
  await proxy.stop();
  await server.stop();
});

const signal = (): AbortSignal => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<LifeboatError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err as LifeboatError,
  );
}

describe('sftp host keys', () => {
  it('refuses an unknown host and shows the fingerprint to pin', async () => {
    const empty = join(server.dataDir, 'empty_known_hosts');
    await writeFile(empty, '');
    const storage = new SftpStorage(sftpOptions(server, server.dataDir, { knownHosts: empty }));
    const err = await failure(storage.stat('x'));
    expect(isLifeboatError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    expect(err.message).toContain('is not a known host');
    expect(err.hint).toContain(`host_fingerprint: "${server.fingerprint}"`);
    await storage.close();
  });

  it('accepts a pinned fingerprint and refuses a wrong one', async () => {
    const empty = join(server.dataDir, 'none');
    const pinned = new SftpStorage(
      sftpOptions(server, server.dataDir, {
        knownHosts: empty,
        hostFingerprint: server.fingerprint,
      }),
    );
    await expect(pinned.stat('nothing')).rejects.toSatisfy(isNotExist);
    await pinned.close();
    const wrong = new SftpStorage(
      sftpOptions(server, server.dataDir, { hostFingerprint: `SHA256:${'A'.repeat(43)}` }),
    );
    const err = await failure(wrong.stat('x'));
    expect(err.message).toContain('not the pinned');
    expect(err.message).toContain(server.fingerprint);
    await wrong.close();
  });

  it('reports a refused login as PERMISSION_DENIED', async () => {
    const storage = new SftpStorage(
      sftpOptions(server, server.dataDir, { privateKeyPath: undefined, password: 'wrong' }),
    );
    const err = await failure(storage.stat('x'));
    expect(isLifeboatError(err, 'PERMISSION_DENIED'), String(err)).toBe(true);
    await storage.close();
  });
});

describe('sftp storage under faults', () => {
  it('leaves no visible object when the connection is reset mid-upload', async () => {
    const sut = await sftpStorageUnderTest(server);
    const viaProxy = new SftpStorage({
      ...sftpOptions(server, sut.root),
      port: proxy.port,
      hostFingerprint: server.fingerprint,
    });
    proxy.inject({ kind: 'reset', afterBytes: 1024 * 1024 }, 1);
    const err = await failure(
      viaProxy.put('cut.bin', bodyOf(randomData(4 * 1024 * 1024)), { signal: signal() }),
    );
    expect(isLifeboatError(err, 'IO_ERROR'), String(err)).toBe(true);
    proxy.inject({ kind: 'pass' });
    expect(await keysOf(sut.storage.list(''))).toEqual([]);
    await expect(sut.storage.stat('cut.bin')).rejects.toSatisfy(isNotExist);
    // Only a hidden temp file may remain (the connection died before it could be deleted);
    // cleanupPartials removes it.
    for (const file of await filesUnder(sut.root))
      expect(file).toMatch(/\/?\.cut\.bin\..*\.partial$/);
    await sut.storage.cleanupPartials({ maxAgeMs: 0 });
    expect(await filesUnder(sut.root)).toEqual([]);
    // The storage reconnects after the reset.
    const data = randomData(100_000);
    await viaProxy.put('after.bin', bodyOf(data), { signal: signal() });
    expect(sha256(await readAll(await sut.storage.get('after.bin')))).toBe(sha256(data));
    await viaProxy.close();
    await sut.cleanup?.();
  });

  it('never hands out a truncated download as complete', async () => {
    const sut = await sftpStorageUnderTest(server);
    const data = randomData(2 * 1024 * 1024);
    await sut.storage.put('whole.bin', bodyOf(data), { signal: signal() });
    const viaProxy = new SftpStorage({
      ...sftpOptions(server, sut.root),
      port: proxy.port,
      hostFingerprint: server.fingerprint,
    });
    proxy.inject({ kind: 'truncate', afterBytes: 256 * 1024 }, 1);
    const err = await failure(viaProxy.get('whole.bin').then(readAll));
    expect(
      isLifeboatError(err, 'ARTIFACT_CORRUPT') || isLifeboatError(err, 'IO_ERROR'),
      String(err),
    ).toBe(true);
    proxy.inject({ kind: 'pass' });
    await viaProxy.close();
    await sut.cleanup?.();
  });
});
