import { lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ScratchDatabase } from '../engine.js';
import { LifeboatError, fromFsError, systemCode } from '../../errors/index.js';
import { removeDatabaseFiles } from './sqlite-target-db.js';
import { parseSqliteUrl } from './sqlite-url.js';

/** Scratch files older than this are stale even if their pid seems alive (pids get reused). */
export const STALE_AFTER_MS = 60 * 60 * 1000;
const NAME = /^lifeboat_verify_(\d+)_[0-9a-f]+\.db$/;

/**
 * The per-user directory for scratch databases. Per user, and checked to be ours with mode
 * 0700, because /tmp is shared and another user must not be able to plant or read our files.
 */
export function scratchDir(): string {
  const uid = process.getuid?.() ?? userInfo().username;
  const dir = join(tmpdir(), `lifeboat-scratch-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || (process.getuid !== undefined && st.uid !== process.getuid())) {
      throw new LifeboatError(
        'PERMISSION_DENIED',
        `scratch directory "${dir}" is not a directory owned by this user`,
        {
          hint: `remove "${dir}" or set TMPDIR to a private directory`,
        },
      );
    }
  } catch (err) {
    throw fromFsError(err, 'creating scratch directory', dir);
  }
  return dir;
}

/** Creates an empty scratch database `lifeboat_verify_<pid>_<random>.db`; the pid lets cleanup spot orphans. */
export function createSqliteScratch(dir = scratchDir()): ScratchDatabase {
  const path = join(dir, `lifeboat_verify_${process.pid}_${randomBytes(6).toString('hex')}.db`);
  try {
    writeFileSync(path, '', { flag: 'wx', mode: 0o600 }); // an empty file is a valid empty database
  } catch (err) {
    throw fromFsError(err, 'creating scratch database', path);
  }
  return {
    target: parseSqliteUrl(`sqlite:${path}`, dir),
    drop: async () => removeDatabaseFiles(path),
  };
}

/** Removes scratch databases whose creating process is gone or that are over an hour old. */
export function cleanupSqliteScratch(dir = scratchDir(), now = Date.now()): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const match = NAME.exec(name);
    if (match === null) continue;
    const path = join(dir, name);
    let mtime: number;
    try {
      mtime = statSync(path).mtimeMs;
    } catch {
      continue; // removed meanwhile by another cleanup
    }
    if (now - mtime > STALE_AFTER_MS || !processAlive(Number(match[1]))) {
      removeDatabaseFiles(path);
      removed++;
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === 'EPERM'; // exists, but belongs to someone else
  }
}
