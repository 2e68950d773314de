import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LifeboatError, systemCode } from '../../errors/index.js';
import type { SftpStorageOptions } from './sftp-options.js';

/** The fingerprint `ssh-keygen -lf` and `ssh` print: `SHA256:` + unpadded base64. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** How the server's host key is judged. */
export interface HostKeyCheck {
  /** True when the key is the expected one; remembers what it saw for {@link refusal}. */
  verify(key: Buffer): boolean;
  /** Why the last key was refused, with the fingerprint to pin; undefined if none was. */
  refusal(): LifeboatError | undefined;
}

/**
 * Checks the server key against the pinned fingerprint, else the known_hosts file. An unknown
 * host is refused (never trusted on first use): the error shows the fingerprint the server
 * presented so the user can compare it out of band and pin it.
 */
export function hostKeyCheck(options: SftpStorageOptions): HostKeyCheck {
  const port = options.port ?? 22;
  const hostName = port === 22 ? options.host : `[${options.host}]:${port}`;
  const knownHosts = options.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
  let refused: LifeboatError | undefined;
  const where = `sftp server ${options.host}:${port} (storage "${options.name}")`;
  return {
    verify(key) {
      const seen = fingerprintOf(key);
      const pinned = options.hostFingerprint?.trim();
      if (pinned !== undefined) {
        if (normalize(pinned) === normalize(seen)) return true;
        refused = new LifeboatError(
          'CONFIG_INVALID',
          `the host key of ${where} is ${seen}, not the pinned ${pinned}`,
          {
            hint: 'someone may be intercepting the connection; if the server key really changed, update host_fingerprint',
            details: { storage: options.name, fingerprint: seen, pinned },
          },
        );
        return false;
      }
      const verdict = knownHostsVerdict(knownHosts, hostName, key);
      if (verdict === 'match') return true;
      refused = new LifeboatError(
        'CONFIG_INVALID',
        verdict === 'mismatch'
          ? `the host key of ${where} (${seen}) does not match "${knownHosts}"`
          : `${where} is not a known host: its key ${seen} is not in "${knownHosts}"`,
        {
          hint:
            verdict === 'mismatch'
              ? 'someone may be intercepting the connection; if the server key really changed, fix the known_hosts entry'
              : `check the fingerprint with the server's admin, then set host_fingerprint: "${seen}" on the storage or add the key with ssh-keyscan -p ${port} ${options.host} >> ${knownHosts}`,
          details: { storage: options.name, fingerprint: seen, knownHosts },
        },
      );
      return false;
    },
    refusal: () => refused,
  };
}

function normalize(fingerprint: string): string {
  return fingerprint.replace(/^SHA256:/i, '').replace(/=+$/, '');
}

/** What known_hosts says about `hostName` presenting `key`. */
function knownHostsVerdict(
  file: string,
  hostName: string,
  key: Buffer,
): 'match' | 'mismatch' | 'unknown' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return 'unknown';
    throw err;
  }
  const blob = key.toString('base64');
  let known = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') === true ? fields.shift() : undefined;
    const [hosts, , keyData] = fields;
    if (hosts === undefined || keyData === undefined || !hostsMatch(hosts, hostName)) continue;
    if (marker === '@cert-authority') continue;
    if (keyData === blob) {
      if (marker === '@revoked') return 'mismatch';
      return 'match';
    }
    known = true;
  }
  return known ? 'mismatch' : 'unknown';
}

/** One known_hosts host field: comma-separated names, `[host]:port`, `|1|salt|hash`, `*`, `!`. */
function hostsMatch(field: string, hostName: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (salt === undefined || hash === undefined) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(hostName).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
    if (!regex.test(hostName)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}
