import { normalizeRoot } from './sftp-paths.js';

/** Configuration of an {@link SftpStorage}, in the shape `lifeboat.yaml` resolves to. */
export interface SftpStorageOptions {
  readonly name: string;
  readonly host: string;
  /** Default 22. */
  readonly port?: number;
  readonly username: string;
  readonly password?: string;
  /** Absolute path of a private key file (OpenSSH or PEM format). */
  readonly privateKeyPath?: string;
  readonly passphrase?: string;
  /** Remote directory the objects live under; relative paths start at the login directory. */
  readonly path: string;
  /** known_hosts file to check the server's key against; `~/.ssh/known_hosts` by default. */
  readonly knownHosts?: string;
  /** Pinned key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`); wins over knownHosts. */
  readonly hostFingerprint?: string;
  /** Connect and authenticate within this time. */
  readonly readyTimeoutMs?: number;
  /** An idle connection closes after this long, so the process can exit. */
  readonly idleCloseMs?: number;
}

export const DEFAULT_READY_TIMEOUT_MS = 20_000;
export const DEFAULT_IDLE_CLOSE_MS = 500;

/** Where a storage is, for messages: `sftp://user@host[:port]/path`. */
export function sftpLocation(
  options: Pick<SftpStorageOptions, 'username' | 'host' | 'port' | 'path'>,
): string {
  const port = options.port ?? 22;
  const root = normalizeRoot(options.path).replace(/^\//, '');
  return `sftp://${options.username}@${options.host}${port === 22 ? '' : `:${port}`}/${root}`;
}
