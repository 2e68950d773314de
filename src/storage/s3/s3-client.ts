import { S3Client } from '@aws-sdk/client-s3';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_SOCKET_TIMEOUT_MS,
  type S3StorageOptions,
} from './s3-options.js';

/**
 * Builds the SDK client for a storage. Custom endpoints get the settings S3-compatible servers
 * need: path-style addressing and `WHEN_REQUIRED` checksums (recent SDKs otherwise send
 * aws-chunked bodies with CRC trailers that MinIO versions, B2, Ceph and others reject).
 */
export function createS3Client(options: S3StorageOptions): S3Client {
  // The SDK warns on stderr about Node 20 on every run; lifeboat supports Node 20 on purpose.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const custom = options.endpoint !== undefined;
  const checksum = options.checksum ?? (custom ? 'when_required' : 'when_supported');
  const mode = checksum === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const { accessKeyId, secretAccessKey, sessionToken } = options;
  return new S3Client({
    region: options.region ?? (custom ? 'us-east-1' : undefined),
    ...(custom ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? custom,
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey, sessionToken } }
      : {}),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // Adaptive: exponential backoff plus client-side rate limiting after throttling (SlowDown).
    retryMode: 'adaptive',
    requestChecksumCalculation: mode,
    responseChecksumValidation: mode,
    requestHandler: {
      // An idle limit, not a deadline: a 16 MiB part on a slow link may take minutes.
      socketTimeout: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    },
  });
}
