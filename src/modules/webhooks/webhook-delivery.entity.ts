import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'skipped'] as const;
/** pending: queued or between retries; delivered: a 2xx came back; dead: attempts exhausted or not retryable; skipped: the webhook was off when its turn came. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one webhook. `payload` is the body as sent, so a replay sends the same bytes (freshly signed). */
@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_webhook_event_key', ['webhookId', 'eventId'], { unique: true })
@Index('webhook_deliveries_webhook_created_idx', ['webhookId', 'createdAt'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'webhook_id', type: 'varchar', length: 36 })
  webhookId: string;

  @Column({ name: 'event_id', type: 'varchar', length: 20 })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ type: 'integer' })
  attempts: number;

  /** The Bull job that carries the delivery now: `delivery:<id>`, or a replay's or sweep's. */
  @Column({ name: 'job_id', type: 'varchar', length: 100 })
  jobId: string;

  @Column({ type: 'text' })
  payload: string;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
