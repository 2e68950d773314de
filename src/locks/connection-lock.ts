import { createHash } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { LifeboatError, fromFsError, systemCode, throwIfAborted } from '../errors/index.js';
import {
  describeHolder,
  holderIsDead,
  holderOfThisProcess,
  readHolder,
  removeHolder,
  writeHolder,
} from './lock-holder.js';
import { abortableSleep } from './abortable-sleep.js';

/** Options of {@link acquireConnectionLock}. */
export interface ConnectionLockOptions {
  /** What the holder does (`backup`, `restore`), shown to whoever finds the connection busy. */
  readonly operation: string;
  /** Queue behind the holder: `true` waits as long as it takes, a number waits that many ms. */
  readonly wait?: boolean | number;
  /** Stops waiting with ABORTED. */
  readonly signal?: AbortSignal;
  /** Where lock files live; default {@link defaultLockDir}. */
  readonly lockDir?: string;
  /** A lock not refreshed for this long is taken over (its holder died); default 10 s, min 2 s. */
  readonly staleMs?: number;
  /** How often the holder refreshes its lock; default 2 s, min 1 s, at most staleMs / 2. */
  readonly updateMs?: number;
  /** How often a waiting caller retries; default 500 ms. */
  readonly pollMs?: number;
  /** Called if the lock is lost while held; {@link ConnectionLock.signal} fires too. */
  readonly onCompromised?: (err: LifeboatError) => void;
}

/** A held connection lock. */
export interface ConnectionLock {
  /**
   * Aborts (reason: a LOCKED LifeboatError) if the lock is lost while held, e.g. after the
   * machine slept past the stale period and another process took it over. Pass it to the job.
   */
  readonly signal: AbortSignal;
  /** Releases the lock; rejects with the LOCKED error if it was lost. Releasing twice is harmless. */
  release(): Promise<void>;
}

/**
 * The directory all lifeboat processes of this machine share for locks, whatever their cwd.
 */
export function defaultLockDir(): string {
  return path.join(os.tmpdir(), 'lifeboat-locks');
}

/**
 * Takes the lock that allows one backup or restore of a connection at a time across processes.
 * `lockKey` identifies the database (`sqlite:/abs/path/app.db`) and must be display-safe: it
 * appears in messages. A busy connection fails with LOCKED naming the holder, unless `wait`.
 * A holder that died (kill -9) stops refreshing its lock, which is taken over after `staleMs`;
 * a caller that can see the holder is dead waits that long even without `wait`.
 */
export async function acquireConnectionLock(
  lockKey: string,
  options: ConnectionLockOptions,
): Promise<ConnectionLock> {
  const dir = options.lockDir ?? defaultLockDir();
  await ensureLockDir(dir, options.lockDir === undefined);
  const base = path.join(dir, createHash('sha256').update(lockKey).digest('hex'));
  const lockPath = `${base}.lock`;
  const holderPath = `${base}.json`;
  const staleMs = Math.max(options.staleMs ?? 10_000, 2_000);
  const started = Date.now();
  let deadline = waitDeadline(started, options.wait);
  const lost = new AbortController();
  const onCompromised = (err: Error): void => {
    const error = new LifeboatError('LOCKED', `lost the lock on connection "${lockKey}"`, {
      hint: 'another lifeboat process may have taken it over; the machine may have slept or the lock directory was removed',
      cause: err,
      details: { lockKey, lockPath },
    });
    // Runs on a timer inside proper-lockfile: throwing here would crash the process.
    lost.abort(error);
    options.onCompromised?.(error);
  };

  let graceGiven = false;
  for (;;) {
    throwIfAborted(options.signal);
    let unlock: (() => Promise<void>) | undefined;
    try {
      unlock = await lockfile.lock(base, {
        realpath: false, // the base file never exists; only the lock directory does
        lockfilePath: lockPath,
        stale: staleMs,
        update: options.updateMs ?? 2_000,
        retries: 0, // we retry ourselves, so the wait honours the signal and the deadline
        onCompromised,
      });
    } catch (err) {
      if (systemCode(err) !== 'ELOCKED') throw fromFsError(err, 'taking the lock', lockPath);
    }
    if (unlock !== undefined) {
      return holdLock(lockKey, options.operation, holderPath, lockPath, unlock, lost);
    }
    const holder = await readHolder(holderPath);
    // A dead holder's lock goes stale within staleMs: worth waiting for even without --wait.
    // Once only: a holder record left behind must not keep a caller waiting for ever.
    if (!graceGiven && holderIsDead(holder)) {
      graceGiven = true;
      deadline = Math.max(deadline, Date.now() + staleMs + 1_000);
    }
    if (Date.now() >= deadline) throw busy(lockKey, describeHolder(holder), started, options.wait);
    await abortableSleep(
      Math.min(options.pollMs ?? 500, Math.max(deadline - Date.now(), 1)),
      options.signal,
    );
  }
}

async function holdLock(
  lockKey: string,
  operation: string,
  holderPath: string,
  lockPath: string,
  unlock: () => Promise<void>,
  lost: AbortController,
): Promise<ConnectionLock> {
  try {
    await writeHolder(holderPath, holderOfThisProcess(lockKey, operation));
  } catch (err) {
    await unlock();
    throw fromFsError(err, 'writing the lock holder', holderPath);
  }
  let released = false;
  return {
    signal: lost.signal,
    async release(): Promise<void> {
      if (released) return;
      released = true;
      // A lost lock may belong to someone else now: leave its files alone.
      if (lost.signal.aborted) throw lost.signal.reason as LifeboatError;
      try {
        await removeHolder(holderPath);
      } finally {
        await unlock().catch((err: unknown) => {
          throw fromFsError(err, 'releasing the lock', lockPath);
        });
      }
    },
  };
}

function waitDeadline(started: number, wait: boolean | number | undefined): number {
  if (wait === true) return Number.POSITIVE_INFINITY;
  return typeof wait === 'number' ? started + wait : started;
}

function busy(
  lockKey: string,
  holder: string,
  started: number,
  wait: boolean | number | undefined,
): LifeboatError {
  const ms = Date.now() - started;
  const waited =
    typeof wait === 'number'
      ? ` after waiting ${ms < 1_000 ? `${ms}ms` : `${Math.round(ms / 1_000)}s`}`
      : '';
  return new LifeboatError('LOCKED', `connection "${lockKey}" is busy${waited}: ${holder}`, {
    hint: 'wait for it to finish, or pass --wait to queue behind it',
    details: { lockKey },
  });
}

/** Creates the lock directory; a new shared one is made world-writable (sticky) like /tmp. */
async function ensureLockDir(dir: string, shared: boolean): Promise<void> {
  try {
    const created = await mkdir(dir, { recursive: true });
    // Other users' lifeboat processes on this machine must be able to lock there too.
    if (shared && created !== undefined) await chmod(dir, 0o1777);
  } catch (err) {
    throw fromFsError(err, 'creating the lock directory', dir);
  }
}
