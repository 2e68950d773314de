import type { z } from 'zod';
import { configError, keyPath } from './config-error.js';
import { didYouMean } from './suggest.js';
import type { LifeboatError } from '../errors/index.js';

/**
 * Zod's default messages ("Invalid input: expected string, received number") neither name the
 * key nor speak YAML. The error map below words each issue for a YAML author; the formatter
 * prefixes the file name and key path.
 */

/** Marks an unknown-key message that carries the allowed keys, which only the error map can see. */
const ALLOWED = 'allowed:';

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** How a YAML value reads in a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

/** The per-parse error map: words an issue as "must be ..., got ...". */
export const yamlErrorMap = (iss: RawIssue): string | undefined => {
  const got = `got ${describeValue(iss.input)}`;
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return `must be ${EXPECTED[iss.expected] ?? iss.expected}, ${got}`;
    case 'invalid_value':
      return `must be one of ${iss.values.map(String).join(', ')}, ${got}`;
    case 'invalid_union': {
      if (!('discriminator' in iss) || typeof iss.discriminator !== 'string') return undefined;
      const options = (iss as { options?: unknown[] }).options ?? [];
      const value = (iss.input as Record<string, unknown> | undefined)?.[iss.discriminator];
      const list = options.map(String).join(', ');
      return value === undefined
        ? `is required (one of ${list})`
        : `must be one of ${list}, got ${describeValue(value)}`;
    }
    case 'too_small':
      if (iss.origin === 'string') return 'must not be empty';
      if (iss.origin === 'array' || iss.origin === 'set')
        return `must list at least ${iss.minimum}`;
      return `must be at least ${iss.minimum}, ${got}`;
    case 'too_big':
      return `must be at most ${iss.maximum}, ${got}`;
    case 'invalid_key':
      return `is not a valid name: ${iss.issues[0]?.message ?? 'invalid'}`;
    case 'unrecognized_keys': {
      const shape = (iss.inst as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
      return ALLOWED + Object.keys(shape).join(',');
    }
    default:
      return undefined;
  }
};

/** Turns the first zod issue into the one CONFIG_INVALID error the user sees. */
export function issueToError(file: string, issue: z.core.$ZodIssue): LifeboatError {
  if (issue.code === 'unrecognized_keys') {
    const unknown = issue.keys[0] ?? '';
    const key = keyPath([...issue.path, unknown]);
    const allowed = issue.message.startsWith(ALLOWED)
      ? issue.message.slice(ALLOWED.length).split(',').filter(Boolean)
      : [];
    const where = issue.path.length === 0 ? 'at the top level' : `in "${keyPath(issue.path)}"`;
    return configError(file, `unknown key "${key}"`, {
      key,
      hint: `${didYouMean(unknown, allowed)}keys allowed ${where}: ${allowed.join(', ')}`,
    });
  }
  // parseYaml already rejected documents that are not mappings, so the path is never empty.
  const key = keyPath(issue.path);
  return configError(file, `"${key}" ${issue.message}`, { key });
}
