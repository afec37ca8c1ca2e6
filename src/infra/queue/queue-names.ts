/**
 * Every Bull queue Basalt runs, in one place. Later features add theirs here
 * so the jobs module, the worker and the health check see them all.
 */
export const QueueName = {
  System: 'system',
  /** Outgoing email (src/modules/mail). */
  Mail: 'mail',
  /** Every relayed outbox event, in batches, job name 'batch' (src/modules/outbox). */
  Events: 'events',
  /** Scheduled housekeeping (src/modules/jobs): repeatable jobs, one run per schedule across every node. */
  Maintenance: 'maintenance',
  /** One job per webhook delivery (src/modules/webhooks). */
  Webhooks: 'webhooks',
} as const;

/** Every queue, for the jobs module, the worker and the health check. */
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);

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

export const MailJob = {
  /** Render one template and hand it to the mail transport. */
  Send: 'send',
} as const;

/**
 * Mail jobs: more attempts over a longer span than the default (an SMTP
 * server can be down for a while: Bull waits (2^n - 1) × 2 s after the
 * n-th failure, so 2 s, 6 s, 14 s, … 17 min, about 34 minutes in all). A delivered job is removed at once, because its data holds one-time
 * links; failed ones are kept for inspection (their links expire anyway).
 */
export const MAIL_JOB_OPTIONS = {
  ...DEFAULT_JOB_OPTIONS,
  attempts: 10,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: 1000,
} as const;

export const EventsJob = {
  /** One relay batch of outbox events (data: EventBatch). A batch sent twice is handled once: consumers deduplicate on event ids. */
  Batch: 'batch',
} as const;

export const MaintenanceJob = {
  /** Deletes expired account tokens and long-expired or long-revoked sessions. */
  AuthCleanup: 'auth-cleanup',
  /** Deletes relayed outbox events older than the retention window (BASALT_EVENTS_RETENTION_HOURS). */
  OutboxPrune: 'outbox-prune',
  /** Evaluates the alert rules (every BASALT_ALERT_EVALUATION_MS). */
  AlertEvaluate: 'alert-evaluate',
} as const;

export type MaintenanceJob = (typeof MaintenanceJob)[keyof typeof MaintenanceJob];
export const WebhooksJob = {
  /** Send one delivery (data: { deliveryId }); jobId `delivery:<id>` (a replay: `delivery:<id>:replay:<n>`). */
  Deliver: 'deliver',
} as const;

/** The custom backoff the `webhooks` queue registers: exponential with full jitter (src/modules/webhooks/webhook-retry.ts). */
export const WEBHOOK_BACKOFF = 'webhook-jitter';

/**
 * Webhook delivery jobs. `attempts` and the backoff's base delay come from
 * configuration (BASALT_WEBHOOK_MAX_ATTEMPTS, BASALT_WEBHOOK_RETRY_BASE_MS);
 * every attempt is also logged in webhook_attempts, so Bull keeps few jobs.
 */
export function webhookJobOptions(attempts: number, baseDelayMs: number) {
  return {
    attempts,
    backoff: { type: WEBHOOK_BACKOFF, options: { baseDelayMs } },
    removeOnComplete: true,
    removeOnFail: 1000,
  };
}
