import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fromFsError, LifeboatError } from '../../errors/index.js';
import { generateKeyPair } from '../../pipeline/age-keys.js';
import type { CommandRuntime } from '../runtime.js';

/**
 * `lifeboat keygen [--output file]`: a new age X25519 key pair. The identity (secret) goes to
 * the file, created with mode 0600 and never overwritten, or to stdout without `--output`; the
 * public key (the recipient for `defaults.encrypt.recipients`) is printed. The file has the
 * same format as `age-keygen`'s, so `age -d -i file` reads it.
 */
export default async function keygen(
  rt: CommandRuntime,
  opts: Record<string, unknown>,
): Promise<number> {
  const pair = await generateKeyPair();
  const output = typeof opts.output === 'string' ? resolve(rt.cwd, opts.output) : undefined;
  if (output !== undefined) {
    try {
      await writeFile(output, pair.fileText, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LifeboatError('USAGE', `"${output}" already exists`, {
          hint: 'lifeboat never overwrites a key: losing it loses every backup encrypted to it',
        });
      }
      throw fromFsError(err, 'writing identity file', output);
    }
  }
  if (rt.json) {
    rt.printJson({ recipient: pair.recipient, ...(output ? { identityFile: output } : {}) });
  } else if (output !== undefined) {
    rt.output.err.write(
      `wrote identity to ${output} (keep it secret, keep a copy off this host)\n`,
    );
    rt.output.out.write(`${pair.recipient}\n`);
  } else {
    rt.output.out.write(pair.fileText);
    rt.output.err.write(`public key: ${pair.recipient}\n`);
  }
  return 0;
}
