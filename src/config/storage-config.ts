import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RawConfig } from './schema.js';
import type { StorageConfig } from './types.js';

/** One `storage:` entry of lifeboat.yaml as validated. */
type RawStorage = NonNullable<RawConfig['storage']>[string];

/**
 * A storage entry in the shape lifeboat reads: camelCase keys, local paths (the local root,
 * an SFTP private key and known_hosts file) resolved against `baseDir`. Absent optional keys
 * stay absent so backends apply their own defaults.
 */
export function toStorageConfig(name: string, s: RawStorage, baseDir: string): StorageConfig {
  switch (s.type) {
    case 'local':
      return { name, type: 'local', path: resolve(baseDir, s.path) };
    case 's3':
      return compact({
        name,
        type: 's3',
        bucket: s.bucket,
        prefix: s.prefix,
        region: s.region,
        endpoint: s.endpoint,
        forcePathStyle: s.force_path_style,
        storageClass: s.storage_class,
        serverSideEncryption: s.sse,
        accessKeyId: s.access_key_id,
        secretAccessKey: s.secret_access_key,
        checksum: s.checksum,
        maxAttempts: s.max_attempts,
      });
    case 'sftp':
      return compact({
        name,
        type: 'sftp',
        host: s.host,
        port: s.port,
        username: s.username,
        password: s.password,
        privateKeyPath:
          s.private_key_path === undefined ? undefined : resolve(baseDir, s.private_key_path),
        passphrase: s.passphrase,
        path: s.path,
        knownHosts: s.known_hosts === undefined ? undefined : localPath(baseDir, s.known_hosts),
        hostFingerprint: s.host_fingerprint,
      });
  }
}

/** Drops undefined values, so `exactOptionalPropertyTypes`-style readers see absent keys. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A path on this machine: `~/` is the home directory (as in ssh), others resolve against `baseDir`. */
function localPath(baseDir: string, path: string): string {
  return path === '~' || path.startsWith('~/')
    ? join(homedir(), path.slice(1))
    : resolve(baseDir, path);
}
