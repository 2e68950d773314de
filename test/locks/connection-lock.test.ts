import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLifeboatError, type LifeboatError } from '../../src/errors/index.js';
import { acquireConnectionLock, defaultLockDir } from '../../src/locks/connection-lock.js';
import { buildChildRuntime, startChild, type Child } from './support/child-runtime.js';

const KEY = 'sqlite:/srv/app/app.db';
// The smallest periods proper-lockfile accepts, so takeover tests stay fast.
const FAST = { staleMs: 2_000, updateMs: 1_000, pollMs: 100 };

let runtime: string;
let lockDir: string;
const children: Child[] = [];

beforeAll(async () => {
  runtime = await buildChildRuntime();
});
afterAll(async () => {
  await rm(runtime, { recursive: true, force: true });
});
beforeEach(async () => {
  lockDir = await mkdtemp(path.join(os.tmpdir(), 'lifeboat-locks-test-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) child.process.kill('SIGKILL');
  await rm(lockDir, { recursive: true, force: true });
});

/** A child that takes the lock, prints `locked <pid>`, and releases after `holdMs` (-1: never). */
async function holder(holdMs: number): Promise<Child> {
  const script = `
    import { acquireConnectionLock } from './src/locks/connection-lock.js';
    const [key, lockDir, holdMs] = process.argv.slice(2);
    const lock = await acquireConnectionLock(key, { operation: 'backup', lockDir, staleMs: 2000, updateMs: 1000 });
    console.log('locked ' + process.pid);
    const keepAlive = setInterval(() => {}, 1000);
    if (Number(holdMs) >= 0) {
      setTimeout(async () => { await lock.release(); console.log('released'); clearInterval(keepAlive); }, Number(holdMs));
    }
  `;
  const child = await startChild(runtime, script, [KEY, lockDir, String(holdMs)]);
  children.push(child);
  await child.line(/^locked \d+$/);
  return child;
}

async function rejection(promise: Promise<unknown>): Promise<LifeboatError> {
  try {
    await promise;
  } catch (err) {
    if (isLifeboatError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('acquireConnectionLock', () => {
  it('shares one directory per machine by default', () => {
    expect(defaultLockDir()).toBe(path.join(os.tmpdir(), 'lifeboat-locks'));
  });

  it('takes, releases and takes again; releasing twice is harmless', async () => {
    const lock = await acquireConnectionLock(KEY, { operation: 'backup', lockDir });
    const holderFile = path.join(lockDir, `${createHash('sha256').update(KEY).digest('hex')}.json`);
    expect(JSON.parse(await readFile(holderFile, 'utf8'))).toMatchObject({
      pid: process.pid,
      operation: 'backup',
      host: os.hostname(),
      lockKey: KEY,
    });
    await lock.release();
    await lock.release();
    const again = await acquireConnectionLock(KEY, { operation: 'restore', lockDir });
    await again.release();
  });

  it('lets different connections be locked at once', async () => {
    const a = await acquireConnectionLock(KEY, { operation: 'backup', lockDir });
    const b = await acquireConnectionLock('sqlite:/srv/app/other.db', {
      operation: 'backup',
      lockDir,
    });
    await Promise.all([a.release(), b.release()]);
  });

  it('refuses while another process holds the connection, naming it', async () => {
    const child = await holder(-1);
    const err = await rejection(acquireConnectionLock(KEY, { operation: 'restore', lockDir }));
    expect(err.code).toBe('LOCKED');
    expect(err.message).toMatch(
      new RegExp(
        `^connection "sqlite:/srv/app/app.db" is busy: backup by pid ${child.process.pid} since \\d{4}-`,
      ),
    );
    expect(err.hint).toBe('wait for it to finish, or pass --wait to queue behind it');
  });

  it('queues behind the holder with wait', async () => {
    const child = await holder(500);
    const lock = await acquireConnectionLock(KEY, {
      operation: 'restore',
      lockDir,
      wait: true,
      ...FAST,
    });
    await child.line(/^released$/);
    await lock.release();
  });

  it('gives up after waiting the given milliseconds', async () => {
    await holder(-1);
    const started = Date.now();
    const err = await rejection(
      acquireConnectionLock(KEY, { operation: 'restore', lockDir, wait: 400, ...FAST }),
    );
    expect(err.code).toBe('LOCKED');
    expect(err.message).toMatch(/is busy after waiting \d+ms: backup by pid/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('takes over the lock of a holder killed -9 after the stale period', async () => {
    const child = await holder(-1);
    child.process.kill('SIGKILL');
    await child.exited;
    const killedAt = Date.now();
    // No wait given: the holder is provably dead, so its lock is worth the stale period.
    const lock = await acquireConnectionLock(KEY, { operation: 'restore', lockDir, ...FAST });
    const waited = Date.now() - killedAt;
    expect(waited).toBeGreaterThan(500);
    expect(waited).toBeLessThan(FAST.staleMs + 2_000);
    await lock.release();
  });

  it('stops waiting with ABORTED when the signal fires', async () => {
    await holder(-1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const err = await rejection(
      acquireConnectionLock(KEY, {
        operation: 'restore',
        lockDir,
        wait: true,
        signal: controller.signal,
        ...FAST,
      }),
    );
    expect(err.code).toBe('ABORTED');
  });

  it('refuses at once when the signal has already fired', async () => {
    const err = await rejection(
      acquireConnectionLock(KEY, { operation: 'backup', lockDir, signal: AbortSignal.abort() }),
    );
    expect(err.code).toBe('ABORTED');
  });

  it('surfaces a lost lock through its signal, the callback and release', async () => {
    const lost: LifeboatError[] = [];
    const lock = await acquireConnectionLock(KEY, {
      operation: 'backup',
      lockDir,
      ...FAST,
      onCompromised: (err) => lost.push(err),
    });
    // Someone removes the lock directory under us: the next refresh notices.
    await rm(path.join(lockDir, `${createHash('sha256').update(KEY).digest('hex')}.lock`), {
      recursive: true,
    });
    await new Promise<void>((resolve) => lock.signal.addEventListener('abort', () => resolve()));
    expect(lost).toHaveLength(1);
    expect(lost[0]?.code).toBe('LOCKED');
    expect(lost[0]?.message).toBe('lost the lock on connection "sqlite:/srv/app/app.db"');
    expect((await rejection(lock.release())).code).toBe('LOCKED');
  });
});
