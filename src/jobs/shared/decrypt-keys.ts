import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ResolvedConfig } from '../../config/index.js';
import { LifeboatError, messageOf } from '../../errors/index.js';
import { parseIdentityFile, type DecryptKeys } from '../../pipeline/age-keys.js';

/** Environment variable naming an identity file, used when no `--identity` is given. */
export const IDENTITY_ENV = 'LIFEBOAT_AGE_IDENTITY';
/** Environment variable holding a passphrase, used when no `--passphrase-env` is given. */
export const PASSPHRASE_ENV = 'LIFEBOAT_PASSPHRASE';

/** Where the keys of one command come from. */
export interface KeySources {
  /** `--identity` files, relative to `cwd`. */
  readonly identityFiles?: readonly string[];
  /** `--passphrase-env`: the name of the variable holding the passphrase. */
  readonly passphraseEnv?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly config: ResolvedConfig;
}

/**
 * The identities and passphrases a restore or verify may decrypt with. Identity files come
 * from `--identity`, else `$LIFEBOAT_AGE_IDENTITY`, else `defaults.encrypt.identity`; the
 * passphrase from the variable `--passphrase-env` names, else `$LIFEBOAT_PASSPHRASE`. The
 * passphrase itself is never a command-line argument: arguments show in `ps`.
 */
export async function loadDecryptKeys(sources: KeySources): Promise<DecryptKeys> {
  const files: { path: string; from: string }[] = [];
  if (sources.identityFiles?.length) {
    files.push(
      ...sources.identityFiles.map((f) => ({ path: resolve(sources.cwd, f), from: '--identity' })),
    );
  } else if (sources.env[IDENTITY_ENV]) {
    files.push({ path: resolve(sources.cwd, sources.env[IDENTITY_ENV]), from: IDENTITY_ENV });
  } else if (sources.config.defaults.encrypt?.identity) {
    files.push({
      path: sources.config.defaults.encrypt.identity,
      from: 'defaults.encrypt.identity',
    });
  }
  const identities: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file.path, 'utf8');
    } catch (err) {
      throw new LifeboatError(
        'USAGE',
        `cannot read identity file "${file.path}" (from ${file.from}): ${messageOf(err)}`,
        {
          hint: 'check the path; create a key pair with "lifeboat keygen --output <file>"',
          cause: err,
        },
      );
    }
    identities.push(...parseIdentityFile(text, file.path));
  }
  return { identities, passphrases: passphraseFrom(sources) };
}

/** The passphrase `--passphrase-env` names (which must be set), else `$LIFEBOAT_PASSPHRASE`. */
export function passphraseFrom(sources: Pick<KeySources, 'passphraseEnv' | 'env'>): string[] {
  if (sources.passphraseEnv !== undefined) {
    const value = sources.env[sources.passphraseEnv];
    if (value === undefined || value === '') {
      throw new LifeboatError('USAGE', `variable "${sources.passphraseEnv}" is not set`, {
        hint: '--passphrase-env names an environment variable that holds the passphrase',
      });
    }
    return [value];
  }
  const fallback = sources.env[PASSPHRASE_ENV];
  return fallback ? [fallback] : [];
}

/**
 * Keys for commands that also work without them (`list`, `catalog rebuild`): keys the user named
 * on the command line must load, but an identity that only the environment or config points
 * to and that cannot be read (a backup host without the secret key) is skipped with a warning.
 */
export async function optionalDecryptKeys(
  load: () => Promise<DecryptKeys>,
  named: boolean,
  warn: (message: string) => void,
): Promise<DecryptKeys | undefined> {
  try {
    return await load();
  } catch (err) {
    if (named) throw err;
    warn(`${messageOf(err)}; encrypted manifests are listed without their details`);
    return undefined;
  }
}
