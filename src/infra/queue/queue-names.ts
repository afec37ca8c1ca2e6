/**
 * Every Bull queue Basalt runs, in one place. Later features add theirs here
 * so the jobs module, the worker and the health check see them all.
 */
export const QueueName = {
  System: 'system',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const SystemJob = {
  /** A round trip through the queue, used by the readiness check. */
  Ping: 'ping',
} as const;

/** Retry and retention defaults for every job. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
} as const;
