/** Plan health (`lifeboat status`) and the daemon's Prometheus metrics. */
export { checkHealth, SIZE_ANOMALY, STALE_FACTOR } from './plan-health.js';
export { diskSpace, DISK_LOW, type DiskSpace } from './disk.js';
export { PlanMetrics } from './metrics.js';
export type { HealthReport, HealthWarning, HealthWarningKind, PlanHealth } from './health-types.js';
