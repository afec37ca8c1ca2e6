import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One HTTP attempt of a delivery: what came back (or what went wrong) and how long it took. */
@Entity({ name: 'webhook_attempts' })
export class WebhookAttempt {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('webhook_attempts_delivery_id_idx')
  @Column({ name: 'delivery_id', type: 'varchar', length: 36 })
  deliveryId: string;

  /** 1 for the first attempt; a replay continues the count. */
  @Column({ type: 'integer' })
  attempt: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  /** The first bytes of the answer (UTF-8). */
  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error: string | null;

  @Column({ name: 'at', type: Date })
  at: Date;
}
