/**
 * Every error code lifeboat can report, with its process exit code and a one-line meaning.
 * This table is the single source of truth: `docs/errors.md` lists it, and tests check
 * that the two agree.
 */
export const ERROR_CODES = {
  USAGE: { exitCode: 2, summary: 'bad command-line usage or argument' },
  CONFIG_INVALID: { exitCode: 3, summary: 'lifeboat.yaml or .env is invalid' },
  CONFIG_EXISTS: { exitCode: 3, summary: 'lifeboat init would overwrite an existing config' },
  CONNECTION_UNKNOWN: { exitCode: 2, summary: 'no connection with that name is configured' },
  URL_INVALID: { exitCode: 2, summary: 'a connection URL cannot be parsed' },
  ENGINE_UNSUPPORTED: { exitCode: 2, summary: 'no engine handles that URL scheme yet' },
  DB_UNREACHABLE: { exitCode: 4, summary: 'the database cannot be reached or opened' },
  DB_NOT_FOUND: { exitCode: 4, summary: 'the database does not exist' },
  DB_ERROR: { exitCode: 4, summary: 'the database returned an error' },
  TABLE_NOT_FOUND: { exitCode: 2, summary: 'a table named in --tables does not exist' },
  ARTIFACT_NOT_FOUND: { exitCode: 5, summary: 'no artifact with that name or path' },
  MANIFEST_MISSING: { exitCode: 5, summary: 'the artifact has no manifest beside it' },
  MANIFEST_INVALID: {
    exitCode: 5,
    summary: 'the manifest cannot be read or has an unknown version',
  },
  ARTIFACT_CORRUPT: { exitCode: 5, summary: 'the artifact is truncated, altered or unreadable' },
  CHECKSUM_MISMATCH: {
    exitCode: 5,
    summary: 'content does not match the checksum it was stored with',
  },
  WRONG_ENGINE: { exitCode: 5, summary: 'the artifact was made by a different database engine' },
  KEY_REQUIRED: {
    exitCode: 2,
    summary: 'the artifact is encrypted and no identity or passphrase was given',
  },
  DECRYPT_FAILED: {
    exitCode: 5,
    summary: 'none of the given identities or passphrases decrypts the artifact',
  },
  STORAGE_NOT_FOUND: { exitCode: 2, summary: 'no storage with that name is configured' },
  PERMISSION_DENIED: { exitCode: 6, summary: 'the operating system refused access to a file' },
  DISK_FULL: { exitCode: 6, summary: 'no space left on the device' },
  IO_ERROR: { exitCode: 6, summary: 'reading or writing a file failed' },
  LOCKED: { exitCode: 7, summary: 'another backup or restore holds this connection' },
  VERIFY_FAILED: { exitCode: 8, summary: 'a restored copy does not match the manifest' },
  RESTORE_FAILED: { exitCode: 9, summary: 'the restore failed; the target was left as it was' },
  CONFIRMATION_REQUIRED: {
    exitCode: 10,
    summary: 'a destructive command needs --force or a typed confirmation',
  },
  CONFIRMATION_DECLINED: { exitCode: 10, summary: 'the confirmation was not given' },
  HOOK_FAILED: { exitCode: 20, summary: "a plan's pre or post hook command failed" },
  STALLED: { exitCode: 21, summary: 'no data moved for stall_timeout; the run was aborted' },
  TIMEOUT: { exitCode: 21, summary: "the run took longer than its plan's timeout" },
  UNHEALTHY: { exitCode: 22, summary: 'a plan is failing, stale or has warnings' },
  NOTIFY_FAILED: { exitCode: 23, summary: 'a notification could not be delivered' },
  DATABASES_FAILED: {
    exitCode: 24,
    summary: 'one or more databases of a databases: plan got no backup',
  },
  ABORTED: { exitCode: 130, summary: 'the operation was interrupted' },
  INTERNAL: { exitCode: 70, summary: 'a bug in lifeboat; please report it' },
} as const satisfies Record<string, { exitCode: number; summary: string }>;

/** A stable, documented error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit code of a run that ended without error. */
export const EXIT_OK = 0;
/** Exit code of a command whose job finished but reported failure (e.g. verification found a difference). */
export const EXIT_FAILED = 1;
