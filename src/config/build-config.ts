import { parseDuration } from '../scheduler/duration.js';
import { resolve } from 'node:path';
import { configError } from './config-error.js';
import { connectionFromEnv } from './laravel-env.js';
import { toStorageConfig } from './storage-config.js';
import { didYouMean } from './suggest.js';
import type { EnvVars } from './expand-vars.js';
import type { RawConfig } from './schema.js';
import type {
  ConnectionConfig,
  PlanConfig,
  ResolvedConfig,
  RetentionConfig,
  StorageConfig,
} from './types.js';

/** Where artifacts go and where the catalog lives when the config does not say. */
export const DEFAULT_STORAGE_PATH = './backups';
export const DEFAULT_CATALOG_PATH = './.lifeboat/catalog.db';
/** Name of the connection built from DATABASE_URL / DB_* variables. */
export const DEFAULT_CONNECTION = 'default';

/** Inputs of {@link buildConfig}. */
export interface BuildInput {
  readonly raw: RawConfig;
  readonly env: EnvVars;
  readonly cwd: string;
  readonly baseDir: string;
  readonly configPath: string | undefined;
  /** File name used in messages. */
  readonly file: string;
  readonly unsetConnections: ReadonlyMap<string, { variable: string; key: string }>;
}

/**
 * Applies defaults, makes paths absolute and checks that every name a plan or `defaults`
 * uses is defined: a nightly plan pointing at a misspelt storage must fail on load, not at 2am.
 */
export function buildConfig(input: BuildInput): ResolvedConfig {
  const { raw, baseDir, file } = input;
  const warnings: string[] = [];

  const connections: Record<string, ConnectionConfig> = {};
  for (const [name, c] of Object.entries(raw.connections ?? {})) {
    const unset = input.unsetConnections.get(name);
    connections[name] = {
      name,
      url: c.url,
      protected: c.protected,
      source: 'file',
      ...(unset && { unset }),
    };
  }
  if (Object.keys(connections).length === 0) {
    const fromEnv = connectionFromEnv(input.env);
    if (fromEnv.kind === 'url') {
      connections[DEFAULT_CONNECTION] = {
        name: DEFAULT_CONNECTION,
        url: fromEnv.url,
        protected: false,
        source: 'env',
      };
    } else if (fromEnv.kind === 'unsupported') {
      warnings.push(fromEnv.warning);
    }
  }

  const rawStorage = raw.storage ?? {
    local: { type: 'local' as const, path: DEFAULT_STORAGE_PATH },
  };
  const storage: Record<string, StorageConfig> = {};
  for (const [name, s] of Object.entries(rawStorage)) {
    storage[name] = toStorageConfig(name, s, baseDir);
  }
  const storageNames = Object.keys(storage);
  if (storageNames.length === 0) {
    throw configError(file, '"storage" must define at least one storage', {
      key: 'storage',
      hint: `add one, e.g. storage: { local: { type: local, path: ${DEFAULT_STORAGE_PATH} } }, or remove the key`,
    });
  }

  const check = (
    key: string,
    kind: 'connection' | 'storage',
    name: string,
    defined: string[],
  ): void => {
    if (defined.includes(name)) return;
    throw configError(file, `"${key}" refers to ${kind} "${name}", which is not defined`, {
      key,
      hint: `${didYouMean(name, defined)}defined ${kind}s: ${defined.join(', ') || '(none)'}`,
    });
  };

  const defaultStorage = raw.defaults?.storage ?? implicitDefaultStorage(storageNames, file);
  raw.defaults?.storage?.forEach((name, i) =>
    check(`defaults.storage[${i}]`, 'storage', name, storageNames),
  );
  const defaults = {
    storage: defaultStorage,
    compress: raw.defaults?.compress ?? 'gzip',
    ...(raw.defaults?.compress_level !== undefined && {
      compressLevel: raw.defaults.compress_level,
    }),
    ...(raw.defaults?.encrypt !== undefined && {
      encrypt: {
        ...(raw.defaults.encrypt.recipients && { recipients: raw.defaults.encrypt.recipients }),
        ...(raw.defaults.encrypt.identity && {
          identity: resolve(baseDir, raw.defaults.encrypt.identity),
        }),
        ...(raw.defaults.encrypt.manifest !== undefined && {
          manifest: raw.defaults.encrypt.manifest,
        }),
      },
    }),
    ...(raw.defaults?.retention !== undefined && {
      retention: retentionConfig(raw.defaults.retention),
    }),
  };

  const plans: Record<string, PlanConfig> = {};
  for (const [name, p] of Object.entries(raw.plans ?? {})) {
    check(`plans.${name}.connection`, 'connection', p.connection, Object.keys(connections));
    p.to?.forEach((s, i) => check(`plans.${name}.to[${i}]`, 'storage', s, storageNames));
    const level =
      p.compress_level ?? (p.compress === undefined ? defaults.compressLevel : undefined);
    plans[name] = {
      name,
      connection: p.connection,
      to: p.to ?? defaults.storage,
      compress: p.compress ?? defaults.compress,
      verify: p.verify,
      ...(p.schedule !== undefined && { schedule: p.schedule }),
      ...(level !== undefined && { compressLevel: level }),
      ...(p.encrypt !== undefined && { encrypt: p.encrypt }),
      ...(p.retention !== undefined && { retention: retentionConfig(p.retention) }),
      ...(p.timezone !== undefined && { timezone: p.timezone }),
      ...(p.catch_up !== undefined && { catchUp: p.catch_up }),
      ...(p.pre !== undefined && { pre: p.pre }),
      ...(p.post !== undefined && { post: p.post }),
      ...(p.stall_timeout !== undefined && { stallTimeoutMs: parseDuration(p.stall_timeout) }),
      ...(p.timeout !== undefined && { timeoutMs: parseDuration(p.timeout) }),
      ...(p.databases !== undefined && { databases: p.databases }),
      ...(p.exclude !== undefined && { exclude: p.exclude }),
      ...(p.tag !== undefined && { tag: p.tag }),
    };
  }

  return {
    configPath: input.configPath,
    baseDir,
    cwd: input.cwd,
    connections,
    storage,
    defaults,
    catalog: { path: resolve(baseDir, raw.catalog?.path ?? DEFAULT_CATALOG_PATH) },
    plans,
    notify: raw.notify ?? [],
    warnings,
  };
}

/**
 * `local` when it exists, else the only storage. With several and none called `local`,
 * guessing would send backups somewhere the user did not choose.
 */
function implicitDefaultStorage(names: string[], file: string): string[] {
  if (names.includes('local')) return ['local'];
  if (names.length === 1) return [names[0]!];
  throw configError(
    file,
    `"defaults.storage" is required when there are several storages and none is named "local"`,
    {
      key: 'defaults.storage',
      hint: `name the storages backups go to by default, e.g. defaults: { storage: [${names[0]}] }`,
    },
  );
}

/** The YAML retention keys (snake_case) as the camelCase {@link RetentionConfig}. */
function retentionConfig(
  raw: NonNullable<NonNullable<RawConfig['defaults']>['retention']>,
): RetentionConfig {
  return {
    ...(raw.keep_last !== undefined && { keepLast: raw.keep_last }),
    ...(raw.keep_days !== undefined && { keepDays: raw.keep_days }),
    ...(raw.daily !== undefined && { daily: raw.daily }),
    ...(raw.weekly !== undefined && { weekly: raw.weekly }),
    ...(raw.monthly !== undefined && { monthly: raw.monthly }),
    ...(raw.yearly !== undefined && { yearly: raw.yearly }),
  };
}
