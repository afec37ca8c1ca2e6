import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AlertMetric, AlertOperator, AlertSeverity } from './alert-metrics';
import type { AlertState } from './alert-state';

/** A condition on one catalogue metric, where to notify, and (kept here so no node or restart fires it twice) where it stands. */
@Entity({ name: 'alert_rules' })
export class AlertRule {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Index('alert_rules_name_key', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 40 })
  metric: AlertMetric;

  /** For queue metrics: one queue; null means all of them. */
  @Column({ type: 'varchar', length: 40, nullable: true })
  queue: string | null;

  @Column({ type: 'varchar', length: 2 })
  operator: AlertOperator;

  @Column({ type: 'double precision' })
  threshold: number;

  @Column({ name: 'for_seconds', type: 'integer' })
  forSeconds: number;

  @Column({ name: 'resolve_seconds', type: 'integer' })
  resolveSeconds: number;

  @Column({ type: 'varchar', length: 16 })
  severity: AlertSeverity;

  @Column({ type: 'boolean' })
  enabled: boolean;

  /** JSON text: URLs POSTed on fire and resolve. */
  @Column({ name: 'webhook_urls', type: 'text' })
  webhookUrls: string;

  /** JSON text: addresses emailed on fire and resolve. */
  @Column({ type: 'text' })
  emails: string;

  @Column({ type: 'varchar', length: 16 })
  state: AlertState;

  @Column({ name: 'state_since', type: Date, nullable: true })
  stateSince: Date | null;

  @Column({ name: 'clear_since', type: Date, nullable: true })
  clearSince: Date | null;

  @Column({ name: 'last_value', type: 'double precision', nullable: true })
  lastValue: number | null;

  @Column({ name: 'evaluated_at', type: Date, nullable: true })
  evaluatedAt: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt: Date;
}
