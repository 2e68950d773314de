import { LifeboatError, isLifeboatError } from '../errors/index.js';

/** The error every storage throws for a key that does not exist. */
export function notExist(storage: string, key: string, cause?: unknown): LifeboatError {
  return new LifeboatError('ARTIFACT_NOT_FOUND', `no object "${key}" in storage "${storage}"`, {
    hint: 'run "lifeboat list" to see the artifacts that exist',
    details: { storage, key },
    cause,
  });
}

/** True when `err` says the object does not exist. */
export function isNotExist(err: unknown): boolean {
  return isLifeboatError(err, 'ARTIFACT_NOT_FOUND');
}
