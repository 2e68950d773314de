import { Catalog } from '../catalog/index.js';
import { LifeboatError } from '../errors/index.js';
import { loadDecryptKeys } from '../jobs/shared/decrypt-keys.js';
import type { DecryptKeys } from '../pipeline/age-keys.js';
import { loadConfig } from '../config/index.js';
import type { JobContext } from '../jobs/context.js';
import type { CommandRuntime } from './runtime.js';

/** Loads the config and opens the catalog for a command; `close` when done. */
export async function openJobContext(rt: CommandRuntime): Promise<JobContext & { close(): void }> {
  const config = await loadConfig({
    cwd: rt.cwd,
    env: rt.env,
    ...(rt.configPath === undefined ? {} : { configPath: rt.configPath }),
  });
  const catalog = Catalog.open(config.catalog.path);
  let closed = false;
  return {
    config,
    cwd: rt.cwd,
    catalog,
    signal: rt.signal,
    events: rt.renderer.sink,
    close: () => {
      if (closed) return;
      closed = true;
      rt.renderer.close();
      catalog.close();
    },
  };
}

/**
 * Runs `fn` with a job context and always closes it (progress bar stopped, catalog closed);
 * `fn` may close it early to print after the progress bar is gone.
 */
export async function withJobContext<T>(
  rt: CommandRuntime,
  fn: (ctx: JobContext & { close(): void }) => Promise<T>,
): Promise<T> {
  const ctx = await openJobContext(rt);
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
  }
}

/** Splits a comma-separated option value; undefined stays undefined. */
export function list(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** Parses an integer option, failing with a usage error that names the option. */
export function int(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw usage(`${option} must be a whole number, got "${String(value)}"`);
  return n;
}

function usage(message: string): LifeboatError {
  return new LifeboatError('USAGE', message, { hint: 'see "lifeboat <command> --help"' });
}

/** The keys `--identity` / `--passphrase-env` (and their env and config fallbacks) name. */
export function decryptKeysFrom(
  rt: CommandRuntime,
  ctx: JobContext,
  opts: Record<string, unknown>,
): Promise<DecryptKeys> {
  const identityFiles =
    typeof opts.identity === 'string'
      ? [opts.identity]
      : Array.isArray(opts.identity)
        ? opts.identity.map(String)
        : undefined;
  return loadDecryptKeys({
    ...(identityFiles?.length ? { identityFiles } : {}),
    ...(typeof opts.passphraseEnv === 'string' ? { passphraseEnv: opts.passphraseEnv } : {}),
    env: rt.env,
    cwd: rt.cwd,
    config: ctx.config,
  });
}

/** `{ key: value }` when value is defined, `{}` otherwise: keeps optional options absent. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** A repeatable option's values (commander collects them in an array); undefined when none. */
export function strings(value: unknown): string[] | undefined {
  const all = (Array.isArray(value) ? value : [value]).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return all.length ? all : undefined;
}
