import { randomBytes } from 'node:crypto';
import { stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { systemCode } from '../../errors/index.js';
import { walkFiles } from './local-walk.js';

const PARTIAL = /^\.(.+)\.(\d+)\.([0-9a-f]+)\.partial$/;

/** One day: a temp file older than this is abandoned even if its pid was reused. */
export const PARTIAL_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * The hidden temp name a put writes before renaming into place:
 * `.<basename>.<pid>.<random>.partial` in the same directory, so the rename is atomic (same
 * file system) and the pid tells {@link removeStalePartials} whether its writer is alive.
 */
export function partialPathFor(finalPath: string): string {
  const name = `.${basename(finalPath)}.${process.pid}.${randomBytes(6).toString('hex')}.partial`;
  return join(dirname(finalPath), name);
}

/**
 * Removes temp files left by crashed puts: those whose writer process is gone, and any older
 * than `maxAgeMs` (the pid may have been reused, or belong to another host on shared storage).
 * Returns the relative paths removed.
 */
export async function removeStalePartials(
  root: string,
  maxAgeMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  const removed: string[] = [];
  for await (const file of walkFiles(root, '', true, signal)) {
    const match = PARTIAL.exec(file.dirent.name);
    if (match === null) continue;
    const pid = Number(match[2]);
    let stale = !isAlive(pid);
    if (!stale) {
      const info = await stat(file.absolute).catch(() => undefined);
      stale = info !== undefined && Date.now() - info.mtimeMs > maxAgeMs;
    }
    if (!stale) continue;
    try {
      await unlink(file.absolute);
      removed.push(file.relative);
    } catch (err) {
      if (systemCode(err) !== 'ENOENT') throw err;
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return systemCode(err) === 'EPERM';
  }
}
