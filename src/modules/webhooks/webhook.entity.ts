import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A subscription: events matching `events` (and `filter`) are POSTed to `url`, signed with `secret`. */
@Entity({ name: 'webhooks' })
export class Webhook {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The owner: records go out as this user may read them. */
  @Index('webhooks_user_id_idx')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** JSON text: the event patterns. */
  @Column({ type: 'text' })
  events: string;

  /** JSON text of a records filter, or null. */
  @Column({ type: 'text', nullable: true })
  filter: string | null;

  @Index('webhooks_active_idx')
  @Column({ type: 'boolean' })
  active: boolean;

  /** The HMAC key; shown once, at creation. */
  @Column({ type: 'varchar', length: 64, select: false })
  secret: string;

  /** Dead-lettered deliveries since the last success. */
  @Column({ name: 'consecutive_failures', type: 'integer' })
  consecutiveFailures: number;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 300, nullable: true })
  disabledReason: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
