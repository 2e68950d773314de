import { LifeboatError } from '../../errors/index.js';

/** What a restore does with a statement of a dump. */
export type Statement =
  | { readonly kind: 'skip' }
  /** `ALTER DATABASE` without a name: the database the restore goes into. */
  | { readonly kind: 'database' }
  | { readonly kind: 'set' }
  | {
      readonly kind: 'table';
      readonly verb: 'create' | 'drop' | 'insert' | 'delete' | 'alter';
      readonly table: string;
    }
  | {
      readonly kind: 'object';
      readonly type: 'view' | 'trigger' | 'procedure' | 'function' | 'event';
      readonly name: string;
      /** The table of a CREATE TRIGGER. */
      readonly table?: string;
    }
  | { readonly kind: 'other' };

const IDENT = String.raw`(?:\`(?:[^\`]|\`\`)+\`|[\w$\u0080-\uffff]+)`;
const NAME = String.raw`(${IDENT}(?:\s*\.\s*${IDENT})?)`;
const DEFINER = String.raw`(?:DEFINER\s*=\s*\S+\s+)?`;

/**
 * The statement with executable-comment markers removed (`/*!40101 X *\/` reads as `X`) and
 * runs of white space made one space, so that its keywords can be recognised; backquoted
 * names are kept as they are (one may hold a line break). Only used to classify, never
 * executed.
 */
function plain(sql: string): string {
  return sql
    .replace(/(`(?:[^`]|``)*`)|\/\*M?!\d*\s?|\*\/|\s+/g, (_m, ident?: string) => ident ?? ' ')
    .trim();
}

/**
 * Classifies one statement of a dump (lifeboat's, mysqldump's or mariadb-dump's), given as
 * bytes in a latin1 string; names are decoded as UTF-8. Table statements are recognised so
 * a restore can follow `--tables` and load into its scratch database; view, trigger,
 * routine and event statements so they can be recreated in the target after the swap.
 * `USE` and `CREATE|ALTER|DROP DATABASE` naming a database are skipped because a restore goes
 * where the user says (mariadb-dump's `ALTER DATABASE` would change the source database); an
 * `ALTER DATABASE` without a name (lifeboat's, see `databaseText`) is about the target, and
 * `LOCK`/`UNLOCK TABLES` because locks mean nothing in a private scratch database.
 */
export function classify(sql: string): Statement {
  const head = plain(sql.length > 4096 ? sql.slice(0, 4096) : sql);
  const upper = head.toUpperCase();
  if (/^ALTER (DATABASE|SCHEMA) (DEFAULT|CHARACTER SET|CHARSET|COLLATE|COMMENT)\b/.test(upper))
    return { kind: 'database' };
  if (
    /^(USE\s|(CREATE|ALTER|DROP) (DATABASE|SCHEMA)\b|LOCK TABLES?\b|UNLOCK TABLES?\b)/.test(upper)
  ) {
    return { kind: 'skip' };
  }
  if (/^SET\s/.test(upper) && !/^SET\s+(GLOBAL|PERSIST)/.test(upper)) return { kind: 'set' };
  let m = new RegExp(
    String.raw`^CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF NOT EXISTS\s+)?${NAME}`,
    'i',
  ).exec(head);
  if (m) return table('create', m[1]);
  // A MariaDB sequence is a table of one row: created, dropped and set like one.
  m = new RegExp(
    String.raw`^CREATE\s+(?:OR REPLACE\s+)?(?:TEMPORARY\s+)?SEQUENCE\s+(?:IF NOT EXISTS\s+)?${NAME}`,
    'i',
  ).exec(head);
  if (m) return table('create', m[1]);
  m = new RegExp(String.raw`^(?:DO|SELECT)\s+SETVAL\s*\(\s*${NAME}`, 'i').exec(head);
  if (m) return table('insert', m[1]);
  m = new RegExp(
    String.raw`^DROP\s+(?:TABLE|SEQUENCE)\s+(?:IF EXISTS\s+)?${NAME}\s*(,)?`,
    'i',
  ).exec(head);
  if (m) {
    if (m[2] !== undefined) throw unsupported(sql, 'DROP TABLE of several tables');
    return table('drop', m[1]);
  }
  m = new RegExp(
    String.raw`^(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?${NAME}`,
    'i',
  ).exec(head);
  if (m) return table('insert', m[1]);
  m = new RegExp(
    String.raw`^(?:DELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*FROM|TRUNCATE(?:\s+TABLE)?)\s+${NAME}`,
    'i',
  ).exec(head);
  if (m) return table('delete', m[1]);
  m = new RegExp(String.raw`^ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+${NAME}`, 'i').exec(head);
  if (m) return table('alter', m[1]);
  m = new RegExp(
    String.raw`^CREATE\s+(?:OR REPLACE\s+)?(?:ALGORITHM\s*=\s*\w+\s+)?${DEFINER}(?:SQL SECURITY \w+\s+)?(VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)\s+(?:IF NOT EXISTS\s+)?${NAME}(?:\s+(?:BEFORE|AFTER)\s+(?:INSERT|UPDATE|DELETE)\s+ON\s+${NAME})?`,
    'i',
  ).exec(head);
  if (m) return object(m[1], m[2], m[3]);
  m = new RegExp(
    String.raw`^(?:DROP|ALTER)\s+(?:${DEFINER})?(VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT)\s+(?:IF EXISTS\s+)?${NAME}`,
    'i',
  ).exec(head);
  if (m) return object(m[1], m[2], undefined);
  return { kind: 'other' };
}

function table(
  verb: 'create' | 'drop' | 'insert' | 'delete' | 'alter',
  name: string | undefined,
): Statement {
  return { kind: 'table', verb, table: unqualified(name ?? '') };
}

function object(
  type: string | undefined,
  name: string | undefined,
  on: string | undefined,
): Statement {
  const kind = (type ?? '').toLowerCase() as
    'view' | 'trigger' | 'procedure' | 'function' | 'event';
  return {
    kind: 'object',
    type: kind,
    name: unqualified(name ?? ''),
    ...(on === undefined ? {} : { table: unqualified(on) }),
  };
}

/**
 * The name of an identifier, unquoted. A name qualified with a database is refused: run in
 * lifeboat's scratch session it would write to that other database, outside the swap.
 */
function unqualified(name: string): string {
  const parts = [...name.matchAll(new RegExp(IDENT, 'g'))].map((p) => p[0]);
  if (parts.length !== 1) {
    throw new LifeboatError(
      'RESTORE_FAILED',
      `restore failed: the dump names "${name}" with its database`,
      {
        hint: 'lifeboat restores into the target connection; dump without database names (mariadb-dump <db>, not --databases with qualified names)',
      },
    );
  }
  const part = Buffer.from(parts[0] ?? '', 'latin1').toString('utf8');
  return part.startsWith('`') ? part.slice(1, -1).replace(/``/g, '`') : part;
}

function unsupported(sql: string, what: string): LifeboatError {
  return new LifeboatError('RESTORE_FAILED', `restore failed: ${what} is not supported`, {
    hint: `the statement begins "${sql.slice(0, 80)}"`,
  });
}
