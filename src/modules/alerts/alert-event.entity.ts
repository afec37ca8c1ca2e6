import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const ALERT_EVENT_KINDS = ['fired', 'resolved'] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

/** What one notification target answered. */
export interface NotificationOutcome {
  channel: 'webhook' | 'email';
  target: string;
  ok: boolean;
  /** Webhooks: the HTTP status, when one came back. */
  status?: number;
  error?: string;
}

/** One fired or resolved, with the rule as it was then (the history outlives the rule). */
@Entity({ name: 'alert_events' })
@Index('alert_events_rule_at_idx', ['ruleId', 'at'])
export class AlertEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'rule_id', type: 'varchar', length: 36 })
  ruleId: string;

  @Column({ name: 'rule_name', type: 'varchar', length: 100 })
  ruleName: string;

  @Column({ type: 'varchar', length: 40 })
  metric: string;

  @Column({ type: 'varchar', length: 40, nullable: true })
  queue: string | null;

  @Column({ type: 'varchar', length: 2 })
  operator: string;

  @Column({ type: 'double precision' })
  threshold: number;

  @Column({ type: 'varchar', length: 16 })
  severity: string;

  @Column({ type: 'varchar', length: 16 })
  kind: AlertEventKind;

  @Column({ type: 'double precision', nullable: true })
  value: number | null;

  @Index('alert_events_at_idx')
  @Column({ type: Date })
  at: Date;

  /** JSON text: NotificationOutcome[], filled in once the notifications were sent. */
  @Column({ type: 'text' })
  notifications: string;
}
