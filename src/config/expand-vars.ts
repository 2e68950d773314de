import { configError, keyPath } from './config-error.js';
import type { LifeboatError } from '../errors/index.js';

/** Variables visible to `${VAR}`: the real environment over `.env`. */
export type EnvVars = Readonly<Record<string, string | undefined>>;

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Thrown by {@link expandString} when a `${VAR}` without default is not set. */
export class UnsetVariable extends Error {
  constructor(readonly variable: string) {
    super(`\${${variable}} is not set`);
  }
}

/**
 * Expands `${VAR}` and `${VAR:-default}` (the default applies when VAR is unset or empty, as
 * in POSIX shells); `$$` is a literal `$`, and a `$` not followed by `{` stays as it is, so
 * passwords containing `$` need no escaping. Throws {@link UnsetVariable}, or an Error for
 * malformed references.
 */
export function expandString(text: string, env: EnvVars): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c !== '$' || (next !== '$' && next !== '{')) {
      out += c;
      i += 1;
      continue;
    }
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) throw new Error(`has "\${" without a closing "}"`);
    const body = text.slice(i + 2, close);
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!VAR_NAME.test(name)) {
      throw new Error(
        `has an invalid reference "\${${body}}" (write \${NAME} or \${NAME:-default}, or $$ for a literal $)`,
      );
    }
    const value = env[name];
    if (sep >= 0 && (value === undefined || value === '')) out += body.slice(sep + 2);
    else if (value === undefined) throw new UnsetVariable(name);
    else out += value;
    i = close + 1;
  }
  return out;
}

/** Result of expanding a whole parsed YAML document. */
export interface ExpandedTree {
  readonly value: unknown;
  /** Connections whose URL references an unset variable, by connection name. */
  readonly unsetConnections: ReadonlyMap<string, { variable: string; key: string }>;
}

/**
 * Expands every string value (never keys) of a parsed YAML document. Expansion runs after
 * parsing, so a value containing `#`, `:` or quotes cannot change the YAML structure.
 * An unset variable fails, except in `connections.<name>.url`: see ConnectionConfig.unset.
 */
export function expandTree(root: unknown, env: EnvVars, file: string): ExpandedTree {
  const unsetConnections = new Map<string, { variable: string; key: string }>();
  const fail = (path: PropertyKey[], err: unknown): LifeboatError => {
    const key = keyPath(path);
    if (err instanceof UnsetVariable) {
      return configError(file, `"${key}" uses \${${err.variable}}, which is not set`, {
        key,
        details: { variable: err.variable },
        hint: `set ${err.variable} in the environment or in .env beside ${file}, or give a default: \${${err.variable}:-value}`,
      });
    }
    return configError(file, `"${key}" ${(err as Error).message}`, { key });
  };
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') {
      try {
        return expandString(node, env);
      } catch (err) {
        const [section, conn, field] = path;
        if (
          err instanceof UnsetVariable &&
          section === 'connections' &&
          field === 'url' &&
          path.length === 3
        ) {
          unsetConnections.set(String(conn), { variable: err.variable, key: keyPath(path) });
          return node;
        }
        throw fail(path, err);
      }
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };
  return { value: walk(root, []), unsetConnections };
}
