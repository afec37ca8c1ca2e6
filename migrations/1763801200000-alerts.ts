import { randomUUID } from 'node:crypto';
import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { columns } from './column-types';

/** Shipped enabled; they notify the BASALT_ALERT_EMAIL / BASALT_ALERT_WEBHOOK_URL targets, or only record history. */
const DEFAULT_RULES = [
  { name: 'HTTP 5xx error rate above 5%', metric: 'http_error_rate', operator: '>', threshold: 0.05, forSeconds: 120, severity: 'critical' },
  { name: 'HTTP p99 latency above 500 ms', metric: 'http_p99_ms', operator: '>', threshold: 500, forSeconds: 300, severity: 'warning' },
  { name: 'Queue backlog above 1000 jobs', metric: 'queue_backlog', operator: '>', threshold: 1000, forSeconds: 300, severity: 'warning' },
  { name: 'A node fails its readiness check', metric: 'nodes_not_ready', operator: '>', threshold: 0, forSeconds: 60, severity: 'critical' },
  { name: 'Disk above 90% full', metric: 'disk_used_ratio', operator: '>', threshold: 0.9, forSeconds: 300, severity: 'critical' },
  { name: 'Heap above 90% of its limit', metric: 'heap_used_ratio', operator: '>', threshold: 0.9, forSeconds: 300, severity: 'warning' },
  { name: 'Outbox lag above 60 s', metric: 'outbox_lag_seconds', operator: '>', threshold: 60, forSeconds: 120, severity: 'critical' },
];
const DEFAULT_RESOLVE_SECONDS = 120;

/**
 * `alert_rules`: a condition on one metric of the alert catalogue, its
 * notification targets, and its evaluation state (inactive, pending, firing;
 * since when; the last value) kept here so a restart or another node never
 * fires it again. `alert_events`: the history, one row per fired or resolved,
 * with what each notification answered; kept when the rule is deleted.
 */
export class Alerts1763801200000 implements MigrationInterface {
  name = 'Alerts1763801200000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    const double = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'double precision', isNullable: nullable });
    await runner.createTable(
      new Table({
        name: 'alert_rules',
        columns: [
          c.id(),
          c.string('name', 100),
          c.string('metric', 40),
          c.string('queue', 40, true),
          c.string('operator', 2),
          double('threshold'),
          c.integer('for_seconds'),
          c.integer('resolve_seconds'),
          c.string('severity', 16),
          c.boolean('enabled', true),
          c.text('webhook_urls', false),
          c.text('emails', false),
          c.string('state', 16),
          c.timestamp('state_since', true),
          c.timestamp('clear_since', true),
          double('last_value', true),
          c.timestamp('evaluated_at', true),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        indices: [new TableIndex({ name: 'alert_rules_name_key', columnNames: ['name'], isUnique: true })],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'alert_events',
        columns: [
          c.id(),
          c.uuid('rule_id'),
          c.string('rule_name', 100),
          c.string('metric', 40),
          c.string('queue', 40, true),
          c.string('operator', 2),
          double('threshold'),
          c.string('severity', 16),
          c.string('kind', 16),
          double('value', true),
          c.timestamp('at'),
          c.text('notifications', false),
        ],
        indices: [new TableIndex({ name: 'alert_events_rule_at_idx', columnNames: ['rule_id', 'at'] }), new TableIndex({ name: 'alert_events_at_idx', columnNames: ['at'] })],
      }),
    );
    // Plain SQL: the query builder would map through the entity (if loaded) and its property names.
    const mysql = runner.connection.options.type === 'mysql';
    const names = ['id', 'name', 'metric', 'operator', 'threshold', 'for_seconds', 'resolve_seconds', 'severity', 'enabled', 'webhook_urls', 'emails', 'state'];
    const placeholders = names.map((_, i) => (mysql ? '?' : `$${i + 1}`)).join(', ');
    for (const rule of DEFAULT_RULES) {
      await runner.query(`INSERT INTO alert_rules (${names.join(', ')}) VALUES (${placeholders})`, [
        randomUUID(),
        rule.name,
        rule.metric,
        rule.operator,
        rule.threshold,
        rule.forSeconds,
        DEFAULT_RESOLVE_SECONDS,
        rule.severity,
        true,
        '[]',
        '[]',
        'inactive',
      ]);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('alert_events');
    await runner.dropTable('alert_rules');
  }
}
