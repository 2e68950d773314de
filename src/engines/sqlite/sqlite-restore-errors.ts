import type { ConnectionTarget, RestoreOptions } from '../engine.js';
import { LifeboatError, messageOf } from '../../errors/index.js';
import { fromSqliteError, lower } from './sqlite-errors.js';
import { nameKey } from './sqlite-selection.js';

/** The user's spelling of a requested table, for the message. */
export function requestedSpelling(opts: RestoreOptions, key: string | undefined): string {
  return opts.tables?.find((t) => nameKey(t) === key) ?? key ?? '';
}

/** A RESTORE_FAILED error for `where`, with the statement excerpt in the hint. */
export function failure(
  target: ConnectionTarget,
  where: string,
  err: unknown,
  excerpt?: string,
): LifeboatError {
  const mapped = fromSqliteError(err, 'restoring', target.database);
  const hint =
    mapped.code === 'DISK_FULL'
      ? `free space on the disk of "${target.database}"; the target was left as it was`
      : `the target was left as it was${excerpt === undefined ? '' : `; the statement begins "${excerpt}"`}`;
  return new LifeboatError('RESTORE_FAILED', `restore failed ${where}: ${lower(messageOf(err))}`, {
    hint,
    cause: err,
    details: excerpt === undefined ? undefined : { statement: excerpt },
  });
}

/** An ABORTED error that says which statement the restore had reached. */
export function aborted(
  target: ConnectionTarget,
  statement: number,
  signal: AbortSignal,
): LifeboatError {
  return new LifeboatError(
    'ABORTED',
    `restore of "${target.database}" interrupted at statement ${statement}`,
    {
      hint: 'the target was left as it was; run the restore again',
      cause: signal.reason,
    },
  );
}

/** TABLE_NOT_FOUND for a requested table the artifact does not hold, listing the ones it does. */
export function tableNotInArtifact(
  opts: RestoreOptions,
  key: string | undefined,
  available: readonly string[],
): LifeboatError {
  return new LifeboatError(
    'TABLE_NOT_FOUND',
    `table "${requestedSpelling(opts, key)}" is not in the artifact`,
    {
      hint: `tables in the artifact: ${available.length === 0 ? '(none)' : available.join(', ')}`,
      details: { table: key, available },
    },
  );
}
