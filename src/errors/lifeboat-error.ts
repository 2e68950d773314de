import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Options for {@link LifeboatError}. */
export interface LifeboatErrorOptions {
  /** What the user can do about it, shown on its own `hint:` line. */
  readonly hint?: string;
  /** The lower-level error this one explains. */
  readonly cause?: unknown;
  /** Structured facts for `--json` output (names, paths, counts). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error type lifeboat reports to users. The message is a single lowercase line without
 * a trailing period, quoting paths and names; the code is stable and documented.
 */
export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: LifeboatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifeboatError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The process exit code the CLI uses for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  /** A plain object for `--json` output. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** True when `err` is a {@link LifeboatError}, optionally with the given code. */
export function isLifeboatError(err: unknown, code?: ErrorCode): err is LifeboatError {
  return err instanceof LifeboatError && (code === undefined || err.code === code);
}

/** The Node.js system error code (`ENOENT`, `ENOSPC`, ...) of `err`, if it has one. */
export function systemCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Translates a file-system error into a {@link LifeboatError} that names the path and says
 * what to do. Errors that already are LifeboatErrors pass through unchanged.
 */
export function fromFsError(err: unknown, action: string, path: string): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const code = systemCode(err);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new LifeboatError('DISK_FULL', `no space left on device while ${action} "${path}"`, {
        hint: 'free space on that disk or point the storage at a larger one; nothing partial was kept',
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new LifeboatError('PERMISSION_DENIED', `permission denied while ${action} "${path}"`, {
        hint: 'check the owner and mode of the file and its directory, or run as a user that may write there',
        cause: err,
      });
    case 'ENOENT':
      return new LifeboatError('IO_ERROR', `no such file or directory while ${action} "${path}"`, {
        hint: 'check that the path exists',
        cause: err,
      });
    default:
      return new LifeboatError('IO_ERROR', `${action} "${path}" failed: ${messageOf(err)}`, {
        cause: err,
      });
  }
}

/** The message of any thrown value, for wrapping foreign errors. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The error of an operation stopped by its AbortSignal (Ctrl-C, SIGTERM, daemon shutdown). */
export function abortedError(cause?: unknown): LifeboatError {
  return new LifeboatError('ABORTED', 'operation interrupted', {
    hint: 'nothing partial was kept; run the command again',
    cause,
  });
}

/** Throws ABORTED if the signal has fired; call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal.reason);
}

/**
 * INTERNAL for a JavaScript error only a bug in lifeboat makes (a TypeError, RangeError or
 * ReferenceError: no database, file or network error is one), or undefined. An engine's error
 * mapper asks first, so that such a bug is not reported as the server's error with "see the
 * server log" as its hint.
 */
export function internalBug(err: unknown, context: string): LifeboatError | undefined {
  if (!(err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError))
    return undefined;
  return new LifeboatError('INTERNAL', `${context}: ${messageOf(err)}`, {
    hint: 'this is a bug in lifeboat; please report it with the command you ran',
    cause: err,
  });
}

/**
 * Turns anything thrown inside a job into a LifeboatError: LifeboatErrors pass through, an
 * interruption (the signal fired, or Node's AbortError) becomes ABORTED, anything else is a
 * bug reported as INTERNAL with `action` saying what was being done.
 */
export function toLifeboatError(
  err: unknown,
  signal: AbortSignal | undefined,
  action: string,
): LifeboatError {
  if (err instanceof LifeboatError) return err;
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError'))
    return abortedError(err);
  return new LifeboatError('INTERNAL', `${action} failed: ${messageOf(err)}`, {
    hint: 'this is a bug in lifeboat; please report it with the command you ran',
    cause: err,
  });
}
