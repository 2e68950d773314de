import type { ConnectionTarget, DumpScope, Engine } from '../../engines/engine.js';
import { resolveTarget } from '../../engines/registry.js';
import { LifeboatError } from '../../errors/index.js';
import { resolveConnection, resolveStorages, type ConnectionSpec } from '../../config/index.js';
import {
  checkRecipients,
  noKeys,
  type DecryptKeys,
  type EncryptionSpec,
} from '../../pipeline/age-keys.js';
import { checkLevel, codecFor } from '../../pipeline/compression.js';
import { openStorage } from '../../storage/open-storage.js';
import type { Storage } from '../../storage/storage.js';
import type { JobContext } from '../context.js';
import { validateTag } from '../shared/artifact-name.js';

/** What `lifeboat backup` was asked to do. */
export interface BackupOptions {
  /** Connection name or URL; the default connection when omitted. */
  readonly connection?: string;
  readonly schemaOnly?: boolean;
  readonly dataOnly?: boolean;
  readonly tables?: readonly string[];
  readonly excludeTables?: readonly string[];
  readonly compress?: string;
  readonly compressLevel?: number;
  /**
   * `true` encrypts to the configured recipients (`defaults.encrypt.recipients`) and fails
   * without any; `false` never encrypts; absent encrypts when recipients are configured or
   * given.
   */
  readonly encrypt?: boolean;
  /** age X25519 recipients (`age1…`); win over the configured ones. */
  readonly recipients?: readonly string[];
  /** Encrypt with this passphrase (age scrypt) instead of recipients. */
  readonly passphrase?: string;
  /**
   * Encrypt the manifest too, leaving only a public stub readable (`--encrypt-manifest`);
   * `defaults.encrypt.manifest` when absent. Needs encryption.
   */
  readonly encryptManifest?: boolean;
  /** Identities for `verify` when it runs after the backup (a deep verify must decrypt). */
  readonly decrypt?: DecryptKeys;
  /** Storage names; the configured defaults when omitted. */
  readonly to?: readonly string[];
  readonly tag?: string;
  /** Verify the stored artifact afterwards: file checks, or a deep restore into a scratch database. */
  readonly verify?: 'file' | 'deep';
  /** Wait for a lock held by another backup/restore of the same connection instead of failing. */
  readonly wait?: boolean;
  /** Engine-specific dump switches (`noOwner`, `noPrivileges`, `schemaVia`, `noDefiner`, `lockTables`). */
  readonly engineOptions?: Readonly<Record<string, string | boolean>>;
  /** An already resolved connection (a restore's safety backup); wins over `connection`. */
  readonly connectionSpec?: ConnectionSpec;
  /** The caller already holds the connection's lock (a restore's safety backup). */
  readonly lockHeld?: boolean;
}

/** A backup resolved against the config: everything decided before the first byte is read. */
export interface BackupPlan {
  readonly connection: ConnectionSpec;
  readonly engine: Engine;
  readonly target: ConnectionTarget;
  readonly scope: DumpScope;
  readonly compression: string;
  readonly compressLevel: number | undefined;
  /** age encryption of the artifact; undefined for none. Holds secrets: never log it. */
  readonly encryption: EncryptionSpec | undefined;
  /** Store the manifest age-encrypted like the artifact, with a public stub (docs/manifest.md). */
  readonly encryptManifest: boolean;
  readonly storages: readonly Storage[];
  readonly tag: string | undefined;
}

/** Resolves options to a plan, failing early on bad combinations with a usage error. */
export function planBackup(ctx: JobContext, options: BackupOptions): BackupPlan {
  if (options.schemaOnly && options.dataOnly) {
    throw new LifeboatError('USAGE', '--schema-only and --data-only cannot be combined', {
      hint: 'leave both out for a full backup',
    });
  }
  if (options.tables?.length && options.excludeTables?.length) {
    const both = options.tables.filter((t) => options.excludeTables?.includes(t));
    if (both.length) {
      throw new LifeboatError(
        'USAGE',
        `table "${both[0]}" is both in --tables and --exclude-tables`,
        {
          hint: 'name each table in only one of them',
        },
      );
    }
  }
  const connection = options.connectionSpec ?? resolveConnection(ctx.config, options.connection);
  const { engine, target } = resolveTarget(
    connection.url,
    connection.baseDir ?? ctx.config.baseDir,
  );
  const compression = options.compress ?? ctx.config.defaults.compress;
  // A level configured for the default codec does not carry over to one chosen on the command line.
  const compressLevel =
    options.compressLevel ??
    (options.compress === undefined ? ctx.config.defaults.compressLevel : undefined);
  checkLevel(codecFor(compression), compressLevel);
  const encryption = encryptionOf(ctx, options);
  const encryptManifest = encryptManifestOf(ctx, options, encryption);
  const storages = resolveStorages(ctx.config, options.to).map((s) =>
    openStorage(s, ctx.config.baseDir),
  );
  return {
    connection,
    engine,
    target,
    scope: {
      schema: !options.dataOnly,
      data: !options.schemaOnly,
      ...(options.tables?.length ? { tables: options.tables } : {}),
      ...(options.excludeTables?.length ? { excludeTables: options.excludeTables } : {}),
      ...(options.engineOptions && Object.keys(options.engineOptions).length
        ? { options: options.engineOptions }
        : {}),
    },
    compression,
    compressLevel,
    encryption,
    encryptManifest,
    storages,
    tag: options.tag === undefined ? undefined : validateTag(options.tag),
  };
}

/**
 * Whether the manifest is sealed too. Asked for explicitly without encryption is a usage error;
 * the configured default simply does not apply to an unencrypted backup (`--no-encrypt`).
 */
function encryptManifestOf(
  ctx: JobContext,
  options: BackupOptions,
  encryption: EncryptionSpec | undefined,
): boolean {
  if (options.encryptManifest === true && encryption === undefined) {
    throw new LifeboatError('USAGE', '--encrypt-manifest needs an encrypted backup', {
      hint: 'add --encrypt, --recipient age1… or --passphrase-env VAR (or configure defaults.encrypt.recipients)',
    });
  }
  const wanted = options.encryptManifest ?? ctx.config.defaults.encrypt?.manifest ?? false;
  const sealed = wanted && encryption !== undefined;
  // Found out now rather than after the dump: a deep verify cannot open the sealed manifest
  // (a file verify checks the stored bytes against its public part).
  if (sealed && options.verify === 'deep' && noKeys(options.decrypt)) {
    throw new LifeboatError(
      'KEY_REQUIRED',
      'a deep verify of a backup with an encrypted manifest needs a key to open it',
      {
        hint: 'pass --identity <file> (or set LIFEBOAT_AGE_IDENTITY or defaults.encrypt.identity), or verify later where the key is',
      },
    );
  }
  return sealed;
}

/** Decides the backup's encryption from the options and `defaults.encrypt`. */
function encryptionOf(ctx: JobContext, options: BackupOptions): EncryptionSpec | undefined {
  const given = Boolean(options.recipients?.length) || options.passphrase !== undefined;
  if (options.encrypt === false) {
    if (given) {
      throw new LifeboatError(
        'USAGE',
        '--no-encrypt cannot be combined with a recipient or passphrase',
        {
          hint: 'leave out --no-encrypt to encrypt',
        },
      );
    }
    return undefined;
  }
  if (options.recipients?.length && options.passphrase !== undefined) {
    throw new LifeboatError('USAGE', 'encrypt to recipients or with a passphrase, not both', {
      hint: 'age files hold either public-key recipients or one passphrase',
    });
  }
  if (options.recipients?.length) {
    return { mode: 'x25519', recipients: checkRecipients(options.recipients) };
  }
  if (options.passphrase !== undefined)
    return { mode: 'passphrase', passphrase: options.passphrase };
  const configured = ctx.config.defaults.encrypt?.recipients;
  if (configured?.length) return { mode: 'x25519', recipients: checkRecipients(configured) };
  if (options.encrypt) {
    throw new LifeboatError('USAGE', '--encrypt needs recipients, and none are configured', {
      hint: 'set defaults.encrypt.recipients in lifeboat.yaml, or pass --recipient age1… or --passphrase-env VAR',
    });
  }
  return undefined;
}
