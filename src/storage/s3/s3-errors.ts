import { LifeboatError, isLifeboatError, messageOf, systemCode } from '../../errors/index.js';
import { abortedError } from '../abort.js';
import { notExist } from '../not-exist.js';

/** The parts of an SDK error lifeboat looks at. */
interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

/** HTTP status of an SDK error, if the server answered. */
export function statusOf(err: unknown): number | undefined {
  return (err as SdkError | null)?.$metadata?.httpStatusCode;
}

/** True when the server said the key (not the bucket) does not exist. */
export function isMissingKey(err: unknown): boolean {
  const name = (err as SdkError | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(err) === 404 && !isBucket(err));
}

function isBucket(err: unknown): boolean {
  const e = err as SdkError | null;
  return e?.name === 'NoSuchBucket' || e?.Code === 'NoSuchBucket';
}

/** What went wrong, for a storage's messages. */
export interface S3ErrorContext {
  readonly storage: string;
  readonly location: string;
  /** `uploading "x"`, `listing`, … */
  readonly action: string;
  readonly key?: string;
  readonly signal?: AbortSignal;
}

/**
 * Maps an SDK or network error to a LifeboatError with a hint: missing keys to
 * ARTIFACT_NOT_FOUND, refused credentials to PERMISSION_DENIED, the rest (after the SDK's own
 * retries) to IO_ERROR naming the storage and what it was doing.
 */
export function fromS3Error(err: unknown, ctx: S3ErrorContext): LifeboatError {
  if (ctx.signal?.aborted === true) return abortedError(ctx.signal);
  if (isLifeboatError(err)) return err;
  if (ctx.key !== undefined && isMissingKey(err)) return notExist(ctx.storage, ctx.key, err);
  const status = statusOf(err);
  const name = (err as SdkError | null)?.name ?? '';
  const attempts = (err as SdkError | null)?.$metadata?.attempts;
  const what = `${ctx.action} in storage "${ctx.storage}" (${ctx.location}) failed`;
  const details = { storage: ctx.storage, key: ctx.key, status, name, attempts };
  if (status === 401 || status === 403 || /AccessDenied|InvalidAccessKeyId|Signature/.test(name)) {
    return new LifeboatError('PERMISSION_DENIED', `${what}: access denied (${name || status})`, {
      hint: 'check access_key_id/secret_access_key (or AWS_* variables / profile) and the bucket policy',
      cause: err,
      details,
    });
  }
  if (isBucket(err)) {
    return new LifeboatError('IO_ERROR', `${what}: the bucket does not exist`, {
      hint: 'create the bucket, or fix "bucket", "endpoint" and "region" of the storage',
      cause: err,
      details,
    });
  }
  if (/region is missing/i.test(messageOf(err))) {
    return new LifeboatError('CONFIG_INVALID', `storage "${ctx.storage}" has no region`, {
      hint: 'set "region" on the storage, or AWS_REGION in the environment',
      cause: err,
      details,
    });
  }
  const tries = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  const reason = systemCode(err) ?? (name !== '' && name !== 'Error' ? name : undefined);
  return new LifeboatError(
    'IO_ERROR',
    `${what}${tries}: ${messageOf(err)}${reason !== undefined && !messageOf(err).includes(reason) ? ` (${reason})` : ''}`,
    {
      hint: ctx.action.startsWith('uploading')
        ? 'check the endpoint, the network and the server; nothing partial is visible, run the command again'
        : 'check the endpoint, the network and the server, then run the command again',
      cause: err,
      details,
    },
  );
}
