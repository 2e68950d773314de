import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';

/** Who holds a connection lock, written beside the lock so a second caller can say who. */
export interface LockHolder {
  readonly pid: number;
  readonly operation: string;
  /** ISO-8601 UTC. */
  readonly started: string;
  readonly host: string;
  readonly lockKey: string;
}

/** The holder record of this process for `lockKey`. */
export function holderOfThisProcess(lockKey: string, operation: string): LockHolder {
  return {
    pid: process.pid,
    operation,
    started: new Date().toISOString(),
    host: os.hostname(),
    lockKey,
  };
}

/**
 * Writes the holder record atomically (temp file + rename), so a reader never sees half of it.
 */
export async function writeHolder(file: string, holder: LockHolder): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(holder)}\n`);
  await rename(temp, file);
}

/**
 * Reads the holder record, or undefined when there is none or it cannot be read: the holder
 * may be between taking the lock and writing it, or have just released it.
 */
export async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? (parsed as LockHolder) : undefined;
  } catch {
    // The record only improves the message; never fail over it.
    return undefined;
  }
}

/** Removes the holder record; a missing one is fine. */
export async function removeHolder(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** `backup by pid 1234 on host "x" since 2026-…`, or a plain phrase when the holder is unknown. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined) return 'held by another lifeboat process';
  const where = holder.host === os.hostname() ? '' : ` on host "${holder.host}"`;
  return `${holder.operation} by pid ${holder.pid}${where} since ${holder.started}`;
}

/**
 * True when the holder certainly has ended: it ran on this host and its pid no longer exists.
 * (A live pid may belong to another process by now; that is why this only proves death.)
 */
export function holderIsDead(holder: LockHolder | undefined): boolean {
  if (holder === undefined || holder.host !== os.hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
