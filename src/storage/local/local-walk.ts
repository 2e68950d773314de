import type { Dirent } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemCode, throwIfAborted } from '../../errors/index.js';

/** A file found under a local storage's root. */
export interface WalkedFile {
  /** Path relative to the root, `/`-separated. */
  readonly relative: string;
  readonly absolute: string;
  readonly dirent: Dirent;
}

/**
 * Yields the regular files under `root/start` depth first. A missing directory yields nothing:
 * a storage nobody wrote to yet is simply empty. `hidden` decides whether dot names (temp
 * files of in-flight puts) are walked.
 */
export async function* walkFiles(
  root: string,
  start: string,
  hidden: boolean,
  signal?: AbortSignal,
): AsyncGenerator<WalkedFile> {
  const stack = [start];
  while (stack.length > 0) {
    throwIfAborted(signal);
    const relDir = stack.pop() as string;
    const absDir = join(root, relDir);
    let dir;
    try {
      dir = await opendir(absDir);
    } catch (err) {
      // Vanished (removed concurrently) or not a directory: nothing to list there.
      if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') continue;
      throw err;
    }
    for await (const dirent of dir) {
      if (!hidden && dirent.name.startsWith('.')) continue;
      const relative = relDir === '' ? dirent.name : `${relDir}/${dirent.name}`;
      if (dirent.isDirectory()) stack.push(relative);
      else if (dirent.isFile()) yield { relative, absolute: join(root, relative), dirent };
    }
  }
}
