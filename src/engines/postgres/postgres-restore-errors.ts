import type { ConnectionTarget } from '../engine.js';
import { LifeboatError, isLifeboatError, messageOf } from '../../errors/index.js';
import { lower, pgFields } from './postgres-errors.js';

/** Every restore failure says this: the restore is one transaction. */
export const HINT = 'the target was left as it was';

/** ABORTED, saying which statement the restore had reached. */
export function aborted(
  target: ConnectionTarget,
  statement: number,
  signal: AbortSignal,
): LifeboatError {
  return new LifeboatError(
    'ABORTED',
    `restore of "${target.database}" interrupted at statement ${statement}`,
    {
      hint: `${HINT}; run the restore again`,
      cause: signal.reason,
    },
  );
}

/**
 * What to do when the server ran out of lock slots (53200, "out of shared memory"): a restore
 * that is one transaction holds a lock on every table, index and sequence it creates until
 * it commits, and the server has `max_locks_per_transaction × max_connections` of them.
 */
const TOO_MANY_LOCKS =
  'a restore into an existing database is one transaction and locks every table and index it creates: ' +
  'raise max_locks_per_transaction on the server (a restart), or restore into a database that does not exist yet, ' +
  'which is loaded without one big transaction';

/** RESTORE_FAILED for a statement the server rejected, with its line in the dump. */
export function failure(where: string, err: unknown, line?: number, sql?: string): LifeboatError {
  if (isLifeboatError(err)) return err;
  const excerpt = sql?.replace(/\s+/g, ' ').slice(0, 80);
  const fields = pgFields(err);
  const at = line === undefined || line === 0 ? '' : ` (line ${line})`;
  const locks = fields.code === '53200' && /max_locks_per_transaction/.test(fields.hint ?? '');
  const server = locks ? TOO_MANY_LOCKS : fields.hint;
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed ${where}: ${lower(messageOf(err))}${at}`,
    {
      hint: `${HINT}${excerpt === undefined ? '' : `; the statement begins "${excerpt}"`}${fields.detail ? `; ${fields.detail}` : ''}${server ? `; ${server}` : ''}`,
      cause: err,
      details: { line, statement: excerpt, sqlstate: fields.code },
    },
  );
}

/** RESTORE_FAILED for COPY rows the server rejected, with the row's line in the dump. */
export function copyFailure(statement: number, line: number, err: unknown): LifeboatError {
  const where = pgFields(err).where;
  const row = /line (\d+)/.exec(where ?? '');
  const at = row === null ? line : line + Number(row[1]);
  const hint = pgFields(err).hint;
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed at statement ${statement}: ${lower(messageOf(err))}${where ? ` (${where})` : ''} (line ${at})`,
    {
      hint: hint ? `${HINT}; ${hint}` : HINT,
      cause: err,
      details: { line: at, sqlstate: pgFields(err).code },
    },
  );
}

/** RESTORE_FAILED for a dump that ends early. */
export function truncated(why: string): LifeboatError {
  return new LifeboatError('RESTORE_FAILED', `restore failed: the dump is incomplete, ${why}`, {
    hint: `${HINT}; the artifact looks truncated — restore an earlier backup`,
  });
}
