import { LifeboatError } from '../errors/index.js';

/** Points users at the reference when an error does not carry a more specific hint. */
export const CONFIG_DOCS_HINT = 'see docs/config.md for every key, its type and its default';

/**
 * A CONFIG_INVALID error whose message starts with the config file's name, so that a user with
 * several projects open knows which file to fix.
 */
export function configError(
  file: string,
  message: string,
  options: { hint?: string; key?: string; details?: Record<string, unknown>; cause?: unknown } = {},
): LifeboatError {
  return new LifeboatError('CONFIG_INVALID', `${file}: ${message}`, {
    hint: options.hint ?? CONFIG_DOCS_HINT,
    cause: options.cause,
    details: {
      file,
      ...(options.key === undefined ? {} : { key: options.key }),
      ...options.details,
    },
  });
}

/** `storage.offsite.type`, `notify[0].on`: the key path as users read it in YAML. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
