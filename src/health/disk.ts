import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Free space under which a local storage counts as low: both a share and an absolute floor. */
export const DISK_LOW = { ratio: 0.05, bytes: 1024 ** 3 } as const;

/** Free and total bytes of the file system holding `path`. */
export interface DiskSpace {
  readonly path: string;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly low: boolean;
}

/**
 * Space on the file system of a local storage. A storage directory that does not exist yet is
 * measured at its nearest existing parent, which is where its first backup will land.
 */
export async function diskSpace(path: string): Promise<DiskSpace | null> {
  let at = path;
  for (let i = 0; i < 64; i++) {
    try {
      const s = await statfs(at);
      const freeBytes = s.bavail * s.bsize;
      const totalBytes = s.blocks * s.bsize;
      const low = freeBytes < DISK_LOW.bytes || freeBytes < totalBytes * DISK_LOW.ratio;
      return { path, freeBytes, totalBytes, low };
    } catch {
      const parent = dirname(at);
      if (parent === at) return null;
      at = parent;
    }
  }
  return null;
}
