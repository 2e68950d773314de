import { LifeboatError } from '../errors/index.js';

/**
 * Checks an object key and returns its `/`-separated segments. Keys are relative, without empty,
 * `.` or `..` segments, and no segment starts with a dot: dot names are reserved for a backend's
 * own in-flight files (local temp files), so a key can never collide with or hide among them.
 */
export function keySegments(key: string): readonly string[] {
  const segments = key.split('/');
  const bad = (reason: string): LifeboatError =>
    new LifeboatError('USAGE', `invalid object key "${key}": ${reason}`, {
      hint: 'keys are relative names like "app/app_2026-11-21_020000.sql.gz"',
      details: { key },
    });
  if (key === '') throw bad('it is empty');
  if (key.includes('\\') || key.includes('\0')) throw bad('it contains a backslash or NUL');
  if (key.startsWith('/')) throw bad('it is absolute');
  for (const segment of segments) {
    if (segment === '') throw bad('it has an empty path segment');
    if (segment === '..') throw bad('it contains ".."');
    if (segment.startsWith('.')) throw bad('a path segment starts with "."');
  }
  return segments;
}
