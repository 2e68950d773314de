import { LifeboatError } from '../../errors/index.js';

/** Extension of a plain SQL artifact before compression/encryption suffixes. */
export const SQL_EXTENSION = '.sql';

const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** Checks a `--tag`; tags become part of file names, so the alphabet is narrow. */
export function validateTag(tag: string): string {
  if (!TAG_PATTERN.test(tag)) {
    throw new LifeboatError('USAGE', `invalid tag "${tag}"`, {
      hint: 'use letters, digits and dashes, e.g. --tag pre-deploy',
    });
  }
  return tag;
}

/**
 * `<connection>_<YYYY-MM-DD_HHmmss>[_<tag>].sql<compression extension>`, in UTC so names sort
 * by time and mean the same on every server. `attempt` > 0 disambiguates two backups of the
 * same connection within one second.
 */
export function artifactName(
  connection: string,
  at: Date,
  options: { tag?: string | undefined; extension: string; attempt?: number },
): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}_${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  const attempt = options.attempt ? `-${options.attempt}` : '';
  const tag = options.tag ? `_${options.tag}` : '';
  return `${connection}_${stamp}${attempt}${tag}${SQL_EXTENSION}${options.extension}`;
}
