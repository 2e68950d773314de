import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

/** Hidden temp names of in-flight puts: `.<name>.<random>.partial` beside the target. */
export const PARTIAL = /^\.(.+)\.([0-9a-f]{12})\.partial$/;

/** The temp path a put writes before renaming into `finalPath` (same directory: atomic). */
export function partialPathFor(finalPath: string): string {
  const name = `.${posix.basename(finalPath)}.${randomBytes(6).toString('hex')}.partial`;
  return posix.join(posix.dirname(finalPath), name);
}

/** The storage root without a trailing slash (`/` stays `/`, `` means the login directory). */
export function normalizeRoot(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' && path.startsWith('/') ? '/' : trimmed === '' ? '.' : trimmed;
}
