import { LifeboatError } from '../../errors/index.js';

/** Socket-level failures of any server engine: down, unreachable, or the connection dropped. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
]);

/** DB_UNREACHABLE with the hint every engine gives for a server it cannot reach. */
export function unreachable(message: string, cause: unknown): LifeboatError {
  return new LifeboatError('DB_UNREACHABLE', message, {
    hint: 'check that the server is running and that host and port in the url are right',
    cause,
  });
}
