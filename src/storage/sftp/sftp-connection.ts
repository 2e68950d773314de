import { readFile } from 'node:fs/promises';
import SftpClient from 'ssh2-sftp-client';
import { fromFsError } from '../../errors/index.js';
import { fromSftpError } from './sftp-errors.js';
import { hostKeyCheck } from './sftp-host-key.js';
import {
  DEFAULT_IDLE_CLOSE_MS,
  DEFAULT_READY_TIMEOUT_MS,
  type SftpStorageOptions,
} from './sftp-options.js';

/**
 * One SSH connection shared by a storage's concurrent calls (SFTP multiplexes requests), opened
 * on demand and closed after `idleCloseMs` without users, so a finished command can exit. A
 * connection that drops is forgotten and the next call connects anew.
 */
export class SftpConnection {
  readonly #options: SftpStorageOptions;
  readonly #location: string;
  #client: Promise<SftpClient> | undefined;
  #current: SftpClient | undefined;
  #users = 0;
  #idle: NodeJS.Timeout | undefined;

  constructor(options: SftpStorageOptions, location: string) {
    this.#options = options;
    this.#location = location;
  }

  /** Runs `fn` with the connection, holding it open meanwhile. */
  async use<T>(fn: (client: SftpClient) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    try {
      return await fn(client);
    } finally {
      this.release();
    }
  }

  /** Takes the connection (connecting if needed); pair with {@link release}. */
  async acquire(): Promise<SftpClient> {
    this.#users += 1;
    clearTimeout(this.#idle);
    try {
      this.#client ??= this.#connect();
      return await this.#client;
    } catch (err) {
      this.#client = undefined;
      this.#users -= 1;
      throw err;
    }
  }

  release(): void {
    this.#users -= 1;
    if (this.#users > 0) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(
      () => void this.close(),
      this.#options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS,
    );
  }

  /** Closes the connection now. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const pending = this.#client;
    this.#client = undefined;
    const client = await pending?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<SftpClient> {
    const o = this.#options;
    const privateKey =
      o.privateKeyPath === undefined
        ? undefined
        : await readFile(o.privateKeyPath).catch((err: unknown) => {
            throw fromFsError(err, 'reading the private key', o.privateKeyPath as string);
          });
    const check = hostKeyCheck(o);
    const client = new SftpClient(`lifeboat:${o.name}`);
    // ssh2-sftp-client adds temporary error/end/close listeners to the SSH client for every
    // operation in flight; parallel puts and gets of one storage are normal, not a leak.
    (
      client as unknown as { client?: { setMaxListeners?(n: number): void } }
    ).client?.setMaxListeners?.(256);
    try {
      await client.connect({
        host: o.host,
        port: o.port ?? 22,
        username: o.username,
        ...(o.password === undefined ? {} : { password: o.password }),
        ...(privateKey === undefined ? {} : { privateKey }),
        ...(o.passphrase === undefined ? {} : { passphrase: o.passphrase }),
        hostVerifier: (key: Buffer) => check.verify(key),
        readyTimeout: o.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        // ssh2-sftp-client retries connects itself; lifeboat reports at once and lets the
        // caller (or the next scheduled run) decide.
        retries: 0,
      });
    } catch (err) {
      await client.end().catch(() => undefined);
      throw (
        check.refusal() ??
        fromSftpError(err, {
          storage: o.name,
          location: this.#location,
          action: `connecting to ${o.host}:${o.port ?? 22}`,
        })
      );
    }
    // A dropped connection is forgotten, so the next call connects anew.
    const forget = (): void => {
      if (this.#current === client) {
        this.#current = undefined;
        this.#client = undefined;
      }
    };
    client.on('close', forget);
    client.on('end', forget);
    this.#current = client;
    return client;
  }
}
