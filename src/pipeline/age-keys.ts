import { LifeboatError } from '../errors/index.js';
import { ageLibrary } from './age-stream.js';

/** An X25519 recipient: `age1` and 58 bech32 characters. */
const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/** How a backup is encrypted. Never logged or stored: the manifest only gets the counts. */
export type EncryptionSpec =
  | { readonly mode: 'x25519'; readonly recipients: readonly string[] }
  | { readonly mode: 'passphrase'; readonly passphrase: string };

/** What may decrypt an artifact: identity strings (`AGE-SECRET-KEY-1…`) and passphrases. */
export interface DecryptKeys {
  readonly identities: readonly string[];
  readonly passphrases: readonly string[];
}

/** True when `keys` holds nothing to decrypt with. */
export function noKeys(keys: DecryptKeys | undefined): boolean {
  return !keys || (keys.identities.length === 0 && keys.passphrases.length === 0);
}

/**
 * Checks X25519 recipients. Only `age1…` X25519 keys are accepted, not the post-quantum
 * `age1pq1…` ones: principle 3 says the `age` CLI must decrypt what lifeboat writes, and the
 * CLIs distributions ship do not read those yet.
 */
export function checkRecipients(recipients: readonly string[]): string[] {
  if (recipients.length === 0) {
    throw new LifeboatError('USAGE', 'encryption needs at least one recipient', {
      hint: 'pass --recipient age1… or set encrypt.recipients in lifeboat.yaml',
    });
  }
  return recipients.map((r) => {
    const recipient = r.trim();
    if (!RECIPIENT.test(recipient)) {
      throw new LifeboatError('USAGE', `"${recipient}" is not an age X25519 recipient`, {
        hint: 'a recipient is a public key such as "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" (see "lifeboat keygen")',
      });
    }
    return recipient;
  });
}

/**
 * The identities in an identity file's text: one `AGE-SECRET-KEY-1…` per line, `#` comments
 * and blank lines ignored (the format `age-keygen` and `lifeboat keygen` write).
 */
export function parseIdentityFile(text: string, where: string): string[] {
  const identities: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!IDENTITY.test(line)) {
      throw new LifeboatError(
        'USAGE',
        `line ${i + 1} of identity file "${where}" is not an age identity`,
        {
          hint: 'an identity file holds lines "AGE-SECRET-KEY-1…", as written by "lifeboat keygen"',
        },
      );
    }
    identities.push(line);
  }
  if (identities.length === 0) {
    throw new LifeboatError('USAGE', `identity file "${where}" holds no identity`, {
      hint: 'create one with "lifeboat keygen --output <file>"',
    });
  }
  return identities;
}

/** A new X25519 key pair, with the identity file text `age-keygen` would write. */
export async function generateKeyPair(
  now: Date = new Date(),
): Promise<{ identity: string; recipient: string; fileText: string }> {
  const { generateX25519Identity, identityToRecipient } = await ageLibrary();
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const fileText = `# created: ${now.toISOString()}\n# public key: ${recipient}\n${identity}\n`;
  return { identity, recipient, fileText };
}
