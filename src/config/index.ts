/** Loading and resolving `lifeboat.yaml`; see docs/config.md. */
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { resolveConnection, type ConnectionSpec } from './resolve-connection.js';
export { resolveStorages } from './resolve-storages.js';
export { redactUrl } from './redact-url.js';
export { isConnectionUrl, nameFromUrl } from './connection-url.js';
export { renderInitConfig, type RenderInitOptions } from './render-init-config.js';
export { writeInitConfig, type WriteInitOptions } from './write-init-config.js';
export { CONFIG_FILE_NAMES } from './find-config.js';
export { DEFAULT_CATALOG_PATH, DEFAULT_CONNECTION, DEFAULT_STORAGE_PATH } from './build-config.js';
export {
  COMPRESSIONS,
  NOTIFY_EVENTS,
  type Compression,
  type ConnectionConfig,
  type DefaultsConfig,
  type EmailNotifyConfig,
  type LocalStorageConfig,
  type NotifyConfig,
  type NotifyEvent,
  type PlanConfig,
  type ResolvedConfig,
  type RetentionConfig,
  type SlackNotifyConfig,
  type StorageConfig,
} from './types.js';
