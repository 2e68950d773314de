import { isAbsolute, resolve } from 'node:path';
import { LifeboatError } from '../errors/index.js';
import { LocalStorage } from './local/local-storage.js';
import { s3Location, type S3StorageOptions } from './s3/s3-options.js';
import { sftpLocation, type SftpStorageOptions } from './sftp/sftp-options.js';
import type { Storage } from './storage.js';
import { LazyStorage } from './wrappers/lazy-storage.js';

/** A `type: local` entry of `storage:` in lifeboat.yaml. */
export interface LocalStorageConfig {
  readonly name: string;
  readonly type: 'local';
  /** Root directory; relative paths resolve against the config file's directory. */
  readonly path: string;
}

/** A `type: s3` entry: an S3 or S3-compatible bucket. */
export interface S3StorageConfig extends S3StorageOptions {
  readonly type: 's3';
}

/** A `type: sftp` entry: a directory on an SSH server. */
export interface SftpStorageConfig extends SftpStorageOptions {
  readonly type: 'sftp';
}

/** Any storage entry. */
export type StorageConfig = LocalStorageConfig | S3StorageConfig | SftpStorageConfig;

type Factory<C extends StorageConfig> = (config: C, baseDir: string) => Storage;

/**
 * One factory per storage type: the only place that maps a config type to a backend. Remote
 * backends are imported when first used (their SDKs are large), so a command that never
 * touches them does not pay for them.
 */
const FACTORIES: {
  readonly [T in StorageConfig['type']]: Factory<Extract<StorageConfig, { type: T }>>;
} = {
  local: (config, baseDir) =>
    new LocalStorage({
      name: config.name,
      path: isAbsolute(config.path) ? config.path : resolve(baseDir, config.path),
    }),
  s3: (config) =>
    new LazyStorage(
      { name: config.name, kind: 's3', location: s3Location(config) },
      async () => new (await import('./s3/s3-storage.js')).S3Storage(config),
    ),
  sftp: (config, baseDir) => {
    const options: SftpStorageOptions = {
      ...config,
      ...(config.privateKeyPath === undefined
        ? {}
        : { privateKeyPath: resolve(baseDir, config.privateKeyPath) }),
      ...(config.knownHosts === undefined
        ? {}
        : { knownHosts: resolve(baseDir, config.knownHosts) }),
    };
    return new LazyStorage(
      { name: config.name, kind: 'sftp', location: sftpLocation(options) },
      async () => new (await import('./sftp/sftp-storage.js')).SftpStorage(options),
    );
  },
};

/**
 * Builds the storage a config entry describes, with its wrappers stacked in one place (retry,
 * limits and logging wrap here when they land, innermost first). `baseDir` is the directory
 * relative paths resolve against (the config file's). An unknown type fails with
 * CONFIG_INVALID, since configs come from YAML the type system did not check.
 */
export function openStorage(config: StorageConfig, baseDir: string): Storage {
  const factory = (FACTORIES as Record<string, Factory<StorageConfig> | undefined>)[config.type];
  if (factory === undefined) {
    throw new LifeboatError(
      'CONFIG_INVALID',
      `storage "${config.name}" has unknown type "${String(config.type)}"`,
      {
        hint: `supported types: ${Object.keys(FACTORIES).join(', ')}`,
        details: { storage: config.name, type: config.type },
      },
    );
  }
  const backend = factory(config, baseDir);
  return wrap(backend);
}

/** The wrapper stack every backend gets; today none, kept separate so the order is visible. */
function wrap(backend: Storage): Storage {
  return backend;
}
