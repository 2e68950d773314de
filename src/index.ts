/**
 * lifeboat's programmatic API. The CLI, the scheduler daemon and the dashboard all call these
 * functions; nothing here prints.
 */
export { LIFEBOAT_VERSION } from './version.js';
export { ERROR_CODES, LifeboatError, isLifeboatError, type ErrorCode } from './errors/index.js';
export type {
  ConnectionTarget,
  DumpScope,
  DumpSession,
  DumpWriter,
  Engine,
  EngineCapabilities,
  RestoreOptions,
  RestoreResult,
  ScratchDatabase,
  TableInfo,
  TableSummary,
} from './engines/engine.js';
export { engineByName, engineForUrl, resolveTarget } from './engines/registry.js';
export type { ObjectInfo, PutOptions, PutResult, Storage } from './storage/storage.js';
export { isNotExist } from './storage/storage.js';
export { openStorage } from './storage/open-storage.js';
export {
  MANIFEST_SUFFIX,
  MANIFEST_VERSION,
  type Manifest,
  type StageResult,
} from './pipeline/manifest.js';
export { loadConfig, resolveConnection, type ResolvedConfig } from './config/index.js';
export { Catalog } from './catalog/index.js';
export type { JobContext } from './jobs/context.js';
export type { JobEvent, EventSink } from './progress/events.js';
export { runBackup, type BackupResult } from './jobs/backup/backup-job.js';
export type { BackupOptions } from './jobs/backup/plan.js';
export { runVerify, type VerifyOptions, type VerifyResult } from './jobs/verify/verify-job.js';
export {
  runRestore,
  type RestoreJobOptions,
  type RestoreJobResult,
} from './jobs/restore/restore-job.js';
export type { RestorePlan } from './jobs/restore/plan.js';
export { runList, type ListedArtifact, type ListOptions } from './jobs/list/list-job.js';
export { locateArtifact, type LocatedArtifact } from './jobs/shared/locate.js';
export { runDemo, type DemoResult } from './demo/run-demo.js';
export {
  runPrune,
  type PruneItem,
  type PruneOptions,
  type PruneResult,
} from './jobs/prune/prune-job.js';
export {
  decideRetention,
  KEEP_TAG,
  type RetentionArtifact,
  type RetentionDecision,
  type RetentionRule,
} from './jobs/prune/retention.js';
export { retentionFor } from './jobs/prune/policy.js';
export { loadDecryptKeys, type KeySources } from './jobs/shared/decrypt-keys.js';
export {
  checkRecipients,
  generateKeyPair,
  parseIdentityFile,
  type DecryptKeys,
  type EncryptionSpec,
} from './pipeline/age-keys.js';
export type { ManifestEncryption } from './pipeline/manifest.js';
export {
  runPlan,
  planSettings,
  planSettingsFor,
  type PlanArtifact,
  type PlanRunOptions,
  type PlanRunResult,
  type PlanSettings,
  type PruneOutcome,
  type PruneStep,
} from './jobs/run/index.js';
export {
  ManualClock,
  Scheduler,
  crontabLines,
  nextRun,
  parseSchedule,
  runDaemon,
  systemClock,
  systemdUnits,
  type Clock,
  type DaemonOptions,
  type Schedule,
  type ScheduledPlan,
} from './scheduler/index.js';
export {
  buildMessage,
  channelsFor,
  deliver,
  signature,
  type Channel,
  type DeliveryResult,
  type NotificationMessage,
} from './notify/index.js';
export { checkHealth, PlanMetrics, type HealthReport, type PlanHealth } from './health/index.js';
