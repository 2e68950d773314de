import { EXIT_FAILED, EXIT_OK } from '../../errors/index.js';
import { runBackup } from '../../jobs/backup/backup-job.js';
import { loadDecryptKeys, passphraseFrom, PASSPHRASE_ENV } from '../../jobs/shared/decrypt-keys.js';
import { formatBytes, formatCount, formatDuration } from '../../progress/format.js';
import { int, list, optional, strings, withJobContext } from '../context.js';
import type { CommandRuntime } from '../runtime.js';

/** `lifeboat backup [connection]`: prints the artifact summary, or JSON with `--json`. */
export default async function backup(
  rt: CommandRuntime,
  connection: unknown,
  opts: Record<string, unknown>,
): Promise<number> {
  return withJobContext(rt, async (ctx) => {
    const verify: 'file' | 'deep' | undefined =
      opts.verify === 'deep' ? 'deep' : opts.verify === undefined ? undefined : 'file';
    const recipients = strings(opts.recipient);
    const configured = Boolean(ctx.config.defaults.encrypt?.recipients?.length);
    // A passphrase is used when named (--passphrase-env), or for --encrypt without recipients.
    const passphrase =
      typeof opts.passphraseEnv === 'string'
        ? passphraseFrom({ passphraseEnv: opts.passphraseEnv, env: rt.env })[0]
        : opts.encrypt === true && !recipients && !configured
          ? rt.env[PASSPHRASE_ENV] || undefined
          : undefined;
    const identityFiles = strings(opts.identity);
    const encryptManifest = opts.encryptManifest === true ? true : undefined;
    // A verify must open a sealed manifest: the configured identity or the passphrase will do.
    const sealing = encryptManifest ?? ctx.config.defaults.encrypt?.manifest ?? false;
    const result = await runBackup(ctx, {
      ...(typeof connection === 'string' ? { connection } : {}),
      schemaOnly: opts.schemaOnly === true,
      dataOnly: opts.dataOnly === true,
      ...optional('tables', list(opts.tables)),
      ...optional('excludeTables', list(opts.excludeTables)),
      ...optional('compress', typeof opts.compress === 'string' ? opts.compress : undefined),
      ...optional('compressLevel', int(opts.compressLevel, '--compress-level')),
      ...optional('to', list(opts.to)),
      ...optional('encrypt', typeof opts.encrypt === 'boolean' ? opts.encrypt : undefined),
      ...optional('recipients', recipients),
      ...optional('passphrase', passphrase),
      ...optional('encryptManifest', encryptManifest),
      ...(verify && (identityFiles || sealing)
        ? {
            decrypt: await loadDecryptKeys({
              ...optional('identityFiles', identityFiles),
              ...(sealing ? optional('passphraseEnv', stringOpt(opts.passphraseEnv)) : {}),
              env: rt.env,
              cwd: rt.cwd,
              config: ctx.config,
            }),
          }
        : {}),
      ...optional('tag', typeof opts.tag === 'string' ? opts.tag : undefined),
      ...optional('verify', verify),
      wait: opts.wait === true,
      engineOptions: engineOptions(opts),
    });
    ctx.close();
    if (rt.json) {
      const { manifest: _manifest, ...rest } = result;
      rt.printJson({ ok: true, ...rest });
    } else {
      const verified = result.verification
        ? `, verified${result.verification.deep ? ' (deep)' : ''}`
        : '';
      rt.output.out.write(`${result.artifact}\n`);
      rt.output.err.write(
        `backed up ${result.tables.length} tables, ${formatCount(result.rows)} rows, ${formatBytes(result.size)} in ${formatDuration(result.durationMs)}${verified}\n`,
      );
    }
    return result.status === 'partial' ? EXIT_FAILED : EXIT_OK;
  });
}

function stringOpt(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Engine-specific switches, only those the user actually set. */
function engineOptions(opts: Record<string, unknown>): Record<string, string | boolean> {
  return {
    ...(opts.owner === false ? { noOwner: true } : {}),
    ...(opts.privileges === false ? { noPrivileges: true } : {}),
    ...(typeof opts.schemaVia === 'string' ? { schemaVia: opts.schemaVia } : {}),
    ...(opts.definer === false ? { noDefiner: true } : {}),
    ...(opts.lockTables === true ? { lockTables: true } : {}),
  };
}
