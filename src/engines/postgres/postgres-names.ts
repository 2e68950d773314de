/** A table named in SQL text or by the user, normalised as the server stores it. */
export interface RelName {
  readonly schema: string;
  readonly name: string;
}

const PART = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)`;
/** A possibly qualified name, as a regex source. */
export const QNAME = String.raw`${PART}(?:\s*\.\s*${PART})*`;

function unquote(part: string): string {
  return part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part.toLowerCase();
}

/** Splits `schema.name` (quoted or not) into its parts; unqualified names are public's. */
export function parseRelName(text: string): RelName {
  const parts = text.match(new RegExp(PART, 'g'))?.map(unquote) ?? [];
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length >= 2 ? (parts[parts.length - 2] ?? 'public') : 'public';
  return { schema, name };
}

/** A user's `--tables` entry: `users` (public) or `app.users`, taken literally. */
export function userRelName(text: string): RelName {
  const dot = text.indexOf('.');
  return dot < 0
    ? { schema: 'public', name: text }
    : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

/** Map key of a name. */
export const relKey = (r: RelName): string => `${r.schema}\u0000${r.name}`;

/** How users see the name: `users`, `app.users`. */
export const relDisplay = (r: RelName): string =>
  r.schema === 'public' ? r.name : `${r.schema}.${r.name}`;

/** What a statement of a dump is about, for selective restores and progress. */
export type Subject =
  | {
      readonly kind: 'table';
      readonly rel: RelName;
      readonly creates: boolean;
      readonly data: boolean;
    }
  | { readonly kind: 'sequence'; readonly rel: RelName; readonly ownedBy?: RelName }
  | { readonly kind: 'index'; readonly rel: RelName }
  /** An extended statistics object; `rel` (its table) only in its CREATE. */
  | { readonly kind: 'statistics'; readonly name: RelName; readonly rel?: RelName }
  | { readonly kind: 'session' }
  | { readonly kind: 'other' };

const N = `(${QNAME})`;
const RULES: readonly [RegExp, (m: RegExpExecArray) => Subject][] = [
  [/^(SET|RESET)\b|^SELECT\s+pg_catalog\.set_config\s*\(/i, () => ({ kind: 'session' })],
  [
    new RegExp(
      `^CREATE\\s+(?:(?:UNLOGGED|TEMP|TEMPORARY)\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${N}`,
      'i',
    ),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: true, data: false }),
  ],
  [
    new RegExp(`^(?:COPY|INSERT\\s+INTO)\\s+${N}`, 'i'),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: true }),
  ],
  [
    new RegExp(`^ALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?(?:ONLY\\s+)?${N}`, 'i'),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: false }),
  ],
  [
    new RegExp(
      `^CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+(?:CONCURRENTLY\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:${QNAME}\\s+)?ON\\s+(?:ONLY\\s+)?${N}`,
      'i',
    ),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: false }),
  ],
  [
    new RegExp(
      `^(?:CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:CONSTRAINT\\s+)?TRIGGER|CREATE\\s+POLICY|COMMENT\\s+ON\\s+(?:CONSTRAINT|TRIGGER|POLICY))\\s+${QNAME}[\\s\\S]*?\\bON\\s+(?:TABLE\\s+)?${N}`,
      'i',
    ),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: false }),
  ],
  [
    // A table's membership of a publication: gone with the table a selective restore replaces.
    new RegExp(`^ALTER\\s+PUBLICATION\\s+${QNAME}\\s+ADD\\s+TABLE\\s+(?:ONLY\\s+)?${N}`, 'i'),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: false }),
  ],
  [
    new RegExp(`^COMMENT\\s+ON\\s+TABLE\\s+${N}`, 'i'),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: false }),
  ],
  [
    new RegExp(`^COMMENT\\s+ON\\s+COLUMN\\s+${N}`, 'i'),
    (m) => {
      const parts = (m[1] ?? '').match(new RegExp(PART, 'g')) ?? [];
      return {
        kind: 'table',
        rel: parseRelName(parts.slice(0, -1).join('.')),
        creates: false,
        data: false,
      };
    },
  ],
  [
    new RegExp(`^(?:GRANT|REVOKE)\\s[\\s\\S]*?\\sON\\s+TABLE\\s+${N}`, 'i'),
    (m) => ({ kind: 'table', rel: parseRelName(m[1] ?? ''), creates: false, data: false }),
  ],
  [
    new RegExp(`^ALTER\\s+SEQUENCE\\s+${N}\\s+OWNED\\s+BY\\s+${N}`, 'i'),
    (m) => {
      const parts = (m[2] ?? '').match(new RegExp(PART, 'g')) ?? [];
      return {
        kind: 'sequence',
        rel: parseRelName(m[1] ?? ''),
        ownedBy: parseRelName(parts.slice(0, -1).join('.')),
      };
    },
  ],
  [
    new RegExp(
      `^(?:CREATE\\s+(?:UNLOGGED\\s+)?SEQUENCE|ALTER\\s+SEQUENCE|COMMENT\\s+ON\\s+SEQUENCE)\\s+${N}`,
      'i',
    ),
    (m) => ({ kind: 'sequence', rel: parseRelName(m[1] ?? '') }),
  ],
  [
    new RegExp(`^(?:GRANT|REVOKE)\\s[\\s\\S]*?\\sON\\s+SEQUENCE\\s+${N}`, 'i'),
    (m) => ({ kind: 'sequence', rel: parseRelName(m[1] ?? '') }),
  ],
  [
    /^SELECT\s+pg_catalog\.setval\s*\(\s*'((?:[^']|'')+)'/i,
    (m) => ({ kind: 'sequence', rel: parseRelName((m[1] ?? '').replaceAll("''", "'")) }),
  ],
  [
    new RegExp(
      `^CREATE\\s+STATISTICS\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${N}[\\s\\S]*\\bFROM\\s+${N}\\s*;?\\s*$`,
      'i',
    ),
    (m) => ({
      kind: 'statistics',
      name: parseRelName(m[1] ?? ''),
      rel: parseRelName(m[2] ?? ''),
    }),
  ],
  [
    new RegExp(`^(?:ALTER|COMMENT\\s+ON)\\s+STATISTICS\\s+${N}`, 'i'),
    (m) => ({ kind: 'statistics', name: parseRelName(m[1] ?? '') }),
  ],
  [
    new RegExp(`^(?:ALTER|COMMENT\\s+ON)\\s+INDEX\\s+${N}`, 'i'),
    (m) => ({ kind: 'index', rel: parseRelName(m[1] ?? '') }),
  ],
];

/** What `sql` (one statement, leading comments stripped) is about. */
export function subjectOf(sql: string): Subject {
  for (const [re, make] of RULES) {
    const m = re.exec(sql);
    if (m !== null) return make(m);
  }
  return { kind: 'other' };
}
