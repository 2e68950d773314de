import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running OpenSSH server on 127.0.0.1 serving SFTP, with a key to log in with. */
export interface TestSshServer {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The user's private key file (unencrypted ed25519). */
  readonly privateKeyPath: string;
  /** A known_hosts file holding the server's key for `[127.0.0.1]:port`. */
  readonly knownHostsPath: string;
  /** The server key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). */
  readonly fingerprint: string;
  /** A directory for tests' data, which the SFTP user may write. */
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (released before sshd binds it; collisions are unlikely). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once something on `port` answers with an SSH banner. */
async function waitForBanner(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('SSH-'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts Debian's `/usr/sbin/sshd` in the foreground (`-D -e`) with a temporary host key, a
 * temporary user key in a temporary AuthorizedKeysFile and `internal-sftp`, listening on a
 * random port of 127.0.0.1. The tests run as root, as sshd needs to switch users.
 */
export async function startSshServer(): Promise<TestSshServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'user_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${userKey}.pub`));
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  sshd.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(sshd, 'exit').then(([code]) => {
    throw new Error(`sshd exited with ${String(code)}: ${stderr}`);
  });
  await Promise.race([waitForBanner(port, Date.now() + 10_000), exited]);
  exited.catch(() => undefined);
  const publicKey = (await readFile(`${hostKey}.pub`, 'utf8')).trim();
  const [type, blob] = publicKey.split(/\s+/) as [string, string];
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${type} ${blob}\n`);
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  return {
    host: '127.0.0.1',
    port,
    username: userInfo().username,
    privateKeyPath: userKey,
    knownHostsPath,
    fingerprint: `SHA256:${digest.replace(/=+$/, '')}`,
    dataDir,
    stop: async () => {
      if (sshd.exitCode === null && sshd.signalCode === null) {
        const done = once(sshd, 'exit');
        sshd.kill('SIGTERM');
        await done;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
