import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { systemCode } from '../errors/index.js';

/** Who runs this lifeboat process, as recorded on each operation. */
export interface ProcessOwner {
  readonly user: string | null;
  readonly host: string;
  readonly pid: number;
  /** Random per process, so a reused pid (pid 1 in every container run) is told apart. */
  readonly runId: string;
}

const RUN_ID = randomUUID();

/** The owner of operations this process starts. */
export function currentOwner(): ProcessOwner {
  return { user: currentUser(), host: os.hostname(), pid: process.pid, runId: RUN_ID };
}

function currentUser(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    // A container running as a uid without a passwd entry makes userInfo() throw.
    return process.env['USER'] ?? process.env['USERNAME'] ?? null;
  }
}

/**
 * True when the running operation owned by (`pid`, `runId`) on this host may still be alive.
 * Signal 0 checks existence without touching the process; EPERM means it exists but belongs
 * to another user.
 */
export function isOwnerAlive(pid: number, runId: string): boolean {
  if (pid === process.pid) return runId === RUN_ID;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === 'EPERM';
  }
}
