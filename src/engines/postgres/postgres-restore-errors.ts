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

/** RESTORE_FAILED for a statement the server rejected, with its line in the dump. */
export function failure(where: string, err: unknown, line?: number, sql?: string): LifeboatError {
  if (isLifeboatError(err)) return err;
  const excerpt = sql?.replace(/\s+/g, ' ').slice(0, 80);
  const fields = pgFields(err);
  const at = line === undefined || line === 0 ? '' : ` (line ${line})`;
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed ${where}: ${lower(messageOf(err))}${at}`,
    {
      hint: `${HINT}${excerpt === undefined ? '' : `; the statement begins "${excerpt}"`}${fields.detail ? `; ${fields.detail}` : ''}`,
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
  return new LifeboatError(
    'RESTORE_FAILED',
    `restore failed at statement ${statement}: ${lower(messageOf(err))}${where ? ` (${where})` : ''} (line ${at})`,
    {
      hint: HINT,
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
