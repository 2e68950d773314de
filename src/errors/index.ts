export { ERROR_CODES, EXIT_OK, EXIT_FAILED, type ErrorCode } from './codes.js';
export {
  LifeboatError,
  isLifeboatError,
  systemCode,
  fromFsError,
  messageOf,
  throwIfAborted,
  abortedError,
  toLifeboatError,
  internalBug,
  type LifeboatErrorOptions,
} from './lifeboat-error.js';
