import type { AppConfig } from 'src/config/app-config';
import { MaintenanceJob } from 'src/infra/queue/queue-names';

/** One scheduled job of the `maintenance` queue. */
export interface Schedule {
  readonly job: MaintenanceJob;
  /** Milliseconds between runs; Bull aligns runs to multiples of it, so every node computes the same next run. */
  readonly every: number;
  readonly description: string;
}

const HOUR = 3600 * 1000;

/**
 * Every scheduled job. Each is a Bull repeatable job whose repeat key is
 * derived from the job name and `every` only, so all nodes adding it at start
 * add the same one, and each run's job id (key + time) is the same on every
 * node: one run per schedule however many nodes there are. (Nodes must
 * agree on BASALT_ALERT_EVALUATION_MS, or each interval runs as its own schedule
 * until the last node to start removes the others.)
 */
export function schedules(config: Pick<AppConfig, 'alerts'>): readonly Schedule[] {
  return [
    { job: MaintenanceJob.AuthCleanup, every: HOUR, description: 'Delete expired account tokens and sessions that ended more than a day ago.' },
    { job: MaintenanceJob.OutboxPrune, every: HOUR, description: 'Delete relayed change events older than BASALT_EVENTS_RETENTION_HOURS.' },
    { job: MaintenanceJob.AlertEvaluate, every: config.alerts.evaluationMs, description: 'Evaluate the alert rules (BASALT_ALERT_EVALUATION_MS).' },
  ];
}

/** Bull's repeat key for a schedule (name:jobId:endDate:every; no endDate), to find schedules that are no longer wanted. */
export function repeatKey(schedule: Schedule): string {
  return `${schedule.job}:${schedule.job}::${schedule.every}`;
}
