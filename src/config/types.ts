import type { StorageConfig } from '../storage/open-storage.js';

/**
 * The shapes the rest of lifeboat reads after `lifeboat.yaml`, `.env` and the environment are
 * merged: names resolved, defaults applied, relative paths made absolute. YAML uses snake_case
 * keys; these use camelCase because only TypeScript reads them.
 */

/** Compression algorithms a backup may use; extend here when the pipeline gains one. */
export const COMPRESSIONS = ['gzip', 'zstd', 'none'] as const;

/** A compression algorithm name. */
export type Compression = (typeof COMPRESSIONS)[number];

/** Events a notification can subscribe to. */
export const NOTIFY_EVENTS = ['failure', 'warning', 'success'] as const;

/** A notification event name. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** A configured database connection. `url` may hold secrets: print it only through `redactUrl`. */
export interface ConnectionConfig {
  readonly name: string;
  /** The URL as written after `${VAR}` expansion; relative file paths resolve against `baseDir`. */
  readonly url: string;
  /** Destructive commands ask for the database name to be typed. */
  readonly protected: boolean;
  /** `file` for `lifeboat.yaml`, `env` for the `default` connection built from DATABASE_URL / DB_* variables. */
  readonly source: 'file' | 'env';
  /**
   * Set when the URL references a variable that is not set. Loading still succeeds, because a
   * config usually names databases (staging, prod) whose secrets only some machines have; using
   * this connection fails with CONFIG_INVALID.
   */
  readonly unset?: { readonly variable: string; readonly key: string };
}

/**
 * Storage entries as lifeboat.yaml resolves them (absolute local paths): the storage layer's own
 * types, so the config and the backends cannot drift apart.
 */
export type {
  LocalStorageConfig,
  S3StorageConfig,
  SftpStorageConfig,
  StorageConfig,
} from '../storage/open-storage.js';

/**
 * How many backups retention keeps (docs/retention.md): the newest `keepLast`, all younger than
 * `keepDays` days, and the newest of each of the last N days/weeks/months/years. A backup is
 * kept when any rule keeps it; an empty policy keeps everything.
 */
export interface RetentionConfig {
  readonly keepLast?: number;
  readonly keepDays?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
}

/** A backup plan: what the scheduler runs. */
export interface PlanConfig {
  readonly name: string;
  readonly connection: string;
  /** Storage names; `defaults.storage` when the plan names none. */
  readonly to: readonly string[];
  /** Cron expression (5 or 6 fields) or `@daily`-style shortcut; a plan without one only runs on demand. */
  readonly schedule?: string;
  readonly compress: Compression;
  readonly compressLevel?: number;
  readonly encrypt?: { readonly recipients: readonly string[] };
  /** `true` checks the artifact against its manifest, `deep` also restores it into a scratch database. */
  readonly verify: boolean | 'deep';
  readonly retention?: RetentionConfig;
  /** IANA time zone the schedule is read in; TZ / local time when absent. */
  readonly timezone?: string;
  /** Make up a run missed while the daemon was down, once at start-up (default true). */
  readonly catchUp?: boolean;
  /** Shell commands run before the backup; one failing fails the run. */
  readonly pre?: readonly string[];
  /** Shell commands run after the run, with its outcome in LIFEBOAT_STATUS. */
  readonly post?: readonly string[];
  /** Abort when no data moves for this long (ms); default 10 minutes. */
  readonly stallTimeoutMs?: number;
  /** Abort when the whole run takes longer than this (ms). */
  readonly timeoutMs?: number;
  /** `all` (every database on the server, minus `exclude`) or a list of database names. */
  readonly databases?: 'all' | readonly string[];
  readonly exclude?: readonly string[];
  /** Label added to the plan's artifact names. */
  readonly tag?: string;
}

/** A Slack incoming-webhook notification. */
export interface SlackNotifyConfig {
  readonly type: 'slack';
  readonly webhook: string;
  readonly on: readonly NotifyEvent[];
}

/** An e-mail notification sent through an SMTP URL. */
export interface EmailNotifyConfig {
  readonly type: 'email';
  readonly to: readonly string[];
  readonly smtp: string;
  readonly from?: string;
  readonly on: readonly NotifyEvent[];
}

/** A JSON POST to any URL, signed with HMAC-SHA256 when `secret` is set. */
export interface WebhookNotifyConfig {
  readonly type: 'webhook';
  readonly url: string;
  readonly secret?: string;
  readonly on: readonly NotifyEvent[];
}

/** A configured notification. */
export type NotifyConfig = SlackNotifyConfig | EmailNotifyConfig | WebhookNotifyConfig;

/** Settings that apply when a command or plan does not say otherwise. */
export interface DefaultsConfig {
  readonly storage: readonly string[];
  readonly compress: Compression;
  readonly compressLevel?: number;
  /**
   * age encryption: `recipients` (public keys) every backup is encrypted to, and `identity`,
   * the absolute path of the identity file restore and verify decrypt with; `manifest` seals
   * the manifests of encrypted backups too (`--encrypt-manifest`).
   */
  readonly encrypt?: {
    readonly recipients?: readonly string[];
    readonly identity?: string;
    readonly manifest?: boolean;
  };
  /** Retention of connections that no plan with a `retention` covers. */
  readonly retention?: RetentionConfig;
}

/** The configuration every command works from. */
export interface ResolvedConfig {
  /** Absolute path of the config file; undefined when none exists and defaults apply. */
  readonly configPath: string | undefined;
  /** Directory relative paths resolve against: the config file's directory, else `cwd`. */
  readonly baseDir: string;
  /** The working directory the config was loaded for; URLs typed on the command line resolve against it. */
  readonly cwd: string;
  readonly connections: Readonly<Record<string, ConnectionConfig>>;
  readonly storage: Readonly<Record<string, StorageConfig>>;
  readonly defaults: DefaultsConfig;
  /** Absolute path of the catalog database. */
  readonly catalog: { readonly path: string };
  readonly plans: Readonly<Record<string, PlanConfig>>;
  readonly notify: readonly NotifyConfig[];
  /** Things the user should know that do not stop lifeboat (an unsupported DB_CONNECTION, ...). */
  readonly warnings: readonly string[];
}
