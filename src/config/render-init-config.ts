import { connectionFromEnv } from './laravel-env.js';
import { DEFAULT_CATALOG_PATH, DEFAULT_STORAGE_PATH } from './build-config.js';
import { redactUrl } from './redact-url.js';
import type { EnvVars } from './expand-vars.js';

/** Options of {@link renderInitConfig}. */
export interface RenderInitOptions {
  /** Variables of the project (environment over `.env`); only names and non-secret parts are written. */
  readonly env: EnvVars;
}

/**
 * The connections section. Secrets never go into the file: DATABASE_URL is referenced as
 * `${DATABASE_URL}`; DB_* variables are left to the built-in `default` connection, because a
 * URL assembled from `${DB_PASSWORD}` would break on a password containing `@`, `/` or `:`
 * (expansion does not percent-encode), while the built-in connection encodes it.
 */
function connectionsSection(env: EnvVars): string[] {
  const found = connectionFromEnv(env);
  if (found.kind === 'url' && found.source !== 'DB_CONNECTION') {
    return [
      'connections:',
      `  # ${found.source} comes from the environment or .env; the file stores only the reference.`,
      `  app: { url: "\${${found.source}}" }`,
      '  # A protected connection asks for its database name to be typed before a restore:',
      '  # prod: { url: "${PROD_DATABASE_URL}", protected: true }',
    ];
  }
  if (found.kind === 'url') {
    return [
      '# connections:',
      '#   None are listed, so lifeboat builds a connection named "default" from DB_CONNECTION,',
      '#   DB_HOST, DB_PORT, DB_DATABASE, DB_USERNAME and DB_PASSWORD in .env (with the password',
      `#   percent-encoded); today that is ${redactUrl(found.url)}`,
      '#   Listing connections here turns that off. To name or protect databases:',
      '#   app:  { url: "${DATABASE_URL}" }',
      '#   prod: { url: "${PROD_DATABASE_URL}", protected: true }',
    ];
  }
  return [
    'connections:',
    '  # A URL: sqlite:<file>, postgres://user:password@host:5432/db, mysql://..., mariadb://...',
    '  # ${NAME} takes NAME from the environment or .env; ${NAME:-fallback} gives a default.',
    '  app: { url: "${DATABASE_URL:-sqlite:./database.sqlite}" }',
    '  # prod: { url: "${PROD_DATABASE_URL}", protected: true }   # protected: confirm restores by typing the name',
  ];
}

/**
 * A commented `lifeboat.yaml` for `lifeboat init`: every key explained, secrets referenced
 * through `${VAR}` rather than copied. The result loads with `loadConfig` (tests check it).
 */
export function renderInitConfig(options: RenderInitOptions): string {
  return [
    '# lifeboat.yaml: what lifeboat backs up, where it keeps backups, and when.',
    '# Reference: docs/config.md. Unknown keys are errors, so a typo cannot be silently ignored.',
    '# ${VAR} and ${VAR:-default} expand from the environment and .env beside this file; $$ is a literal $.',
    '# Relative paths are relative to this file.',
    '',
    '# Databases, by name: "lifeboat backup app". A URL also works in place of a name.',
    ...connectionsSection(options.env),
    '',
    '# Where backups go, by name. "local" is a directory; off-site storages (docs/config.md):',
    '#  offsite: { type: s3, bucket: db-backups, prefix: app/, endpoint: "${S3_ENDPOINT}" }',
    '#  remote: { type: sftp, host: backup.example.com, username: backup, path: /srv/backups }',
    'storage:',
    `  local: { type: local, path: ${DEFAULT_STORAGE_PATH} }`,
    '',
    '# What backup uses when a command or plan does not say.',
    'defaults:',
    '  storage: [local]      # storages a backup is written to (--to)',
    '  compress: gzip        # gzip or none (--compress)',
    '  # compress_level: 6   # 1 (fastest) to 9 (smallest)',
    '',
    '# lifeboat\'s own history of backups and restores; rebuild it with "lifeboat catalog rebuild".',
    'catalog:',
    `  path: ${DEFAULT_CATALOG_PATH}`,
    '',
    '# Scheduled backups, run by "lifeboat daemon". Uncomment and adapt:',
    '# plans:',
    '#   nightly:',
    '#     connection: app                # a name from connections',
    '#     to: [local]                    # storages; default: defaults.storage',
    '#     schedule: "0 2 * * *"          # cron: minute hour day-of-month month day-of-week',
    '#     compress: gzip',
    '#     verify: deep                   # false, true (check checksums) or deep (test-restore)',
    '#     retention: { daily: 7, weekly: 4, monthly: 12, yearly: 3 }',
    '#     # encrypt: { recipients: ["age1..."] }   # age public keys',
    '',
    '# Who hears about failures (and, if asked, successes):',
    '# notify:',
    '#   - { type: slack, webhook: "${SLACK_WEBHOOK}", on: [failure] }',
    '#   - { type: email, to: ops@example.com, smtp: "${SMTP_URL}", on: [failure, success] }',
    '',
  ].join('\n');
}
