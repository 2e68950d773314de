export {
  acquireConnectionLock,
  defaultLockDir,
  type ConnectionLock,
  type ConnectionLockOptions,
} from './connection-lock.js';
export type { LockHolder } from './lock-holder.js';
