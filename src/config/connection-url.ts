import { basename, extname } from 'node:path';

/**
 * A scheme of two or more characters: `C:\data\app.db` is a Windows path, not a URL. The
 * engine registry decides later whether the scheme is supported; here a scheme only tells a
 * URL from a connection name, which cannot contain ":".
 */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):/;

/** True when `text` looks like a connection URL rather than a connection name. */
export function isConnectionUrl(text: string): boolean {
  return SCHEME.test(text);
}

/** Keeps names usable in artifact file names and on the command line. */
export function sanitizeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The connection name a URL typed on the command line gets: the file's base name for file
 * URLs (`sqlite:./data/app.db` -> `app`), the database name for server URLs
 * (`postgres://u@h/shop` -> `shop`). Artifacts are named after it, so it must be stable.
 */
export function nameFromUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[1] ?? 'db';
  const rest = url.slice(scheme.length + 1).replace(/[?#].*$/, '');
  let name: string;
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
    const segment = decode(
      slash < 0 ? '' : (rest.slice(slash).split('/').filter(Boolean).pop() ?? ''),
    );
    // No host means a file path (`sqlite:///var/app.db`): drop the extension as for a path.
    name = host === '' ? basename(segment, extname(segment)) : segment || host;
  } else {
    const file = basename(decode(rest));
    name = basename(file, extname(file));
  }
  return sanitizeName(name) || sanitizeName(scheme);
}
