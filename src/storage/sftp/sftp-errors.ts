import { LifeboatError, isLifeboatError, messageOf, systemCode } from '../../errors/index.js';
import { abortedError } from '../abort.js';
import { notExist } from '../not-exist.js';

/** True when an SFTP or ssh2-sftp-client error says the path does not exist. */
export function isNoSuchFile(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 2 || code === 'ENOENT' || /no such file/i.test(messageOf(err));
}

/** What went wrong, for a storage's messages. */
export interface SftpErrorContext {
  readonly storage: string;
  readonly location: string;
  /** `uploading "x"`, `listing`, … */
  readonly action: string;
  readonly key?: string;
  readonly signal?: AbortSignal;
}

/**
 * Maps an ssh2 / SFTP error to a LifeboatError: missing paths to ARTIFACT_NOT_FOUND, refused
 * logins and SFTP permission errors to PERMISSION_DENIED, the rest to IO_ERROR naming the
 * storage and what it was doing.
 */
export function fromSftpError(err: unknown, ctx: SftpErrorContext): LifeboatError {
  if (ctx.signal?.aborted === true) return abortedError(ctx.signal);
  if (isLifeboatError(err)) return err;
  if (ctx.key !== undefined && isNoSuchFile(err)) return notExist(ctx.storage, ctx.key, err);
  const code = (err as { code?: unknown } | null)?.code;
  const message = messageOf(err);
  const what = `${ctx.action} in storage "${ctx.storage}" (${ctx.location}) failed`;
  const details = { storage: ctx.storage, key: ctx.key, code };
  if (code === 'ERR_BAD_AUTH' || /authentication methods failed/i.test(message)) {
    return new LifeboatError('PERMISSION_DENIED', `${what}: the server refused the login`, {
      hint: 'check username, password or private_key_path (and passphrase) of the storage',
      cause: err,
      details,
    });
  }
  if (code === 3 || code === 'EACCES' || /permission denied/i.test(message)) {
    return new LifeboatError('PERMISSION_DENIED', `${what}: permission denied`, {
      hint: 'check that the sftp user may write to the storage path',
      cause: err,
      details,
    });
  }
  const sys = systemCode(err);
  return new LifeboatError(
    'IO_ERROR',
    `${what}: ${message}${sys !== undefined && !message.includes(sys) ? ` (${sys})` : ''}`,
    {
      hint: ctx.action.startsWith('uploading')
        ? 'check the host, port and network; nothing partial is visible, run the command again'
        : 'check the host, port and network, then run the command again',
      cause: err,
      details,
    },
  );
}
