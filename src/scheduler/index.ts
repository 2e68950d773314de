/** Schedules, the scheduler and the daemon; see docs/scheduling.md. */
export { parseSchedule, nextRun, scheduleInterval, type Schedule } from './schedule.js';
export { parseDuration, DURATION_PATTERN } from './duration.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export {
  Scheduler,
  type RunReason as ScheduledRunReason,
  type ScheduledPlan,
  type SchedulerLogEntry,
  type SchedulerOptions,
} from './scheduler.js';
export { runDaemon, type DaemonOptions } from './daemon.js';
export { createDaemonLog, eventsToLog, type DaemonLog, type DaemonLogEntry } from './daemon-log.js';
export { crontabLines, systemdUnits, type UnitOptions } from './system-units.js';
