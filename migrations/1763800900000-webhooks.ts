import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * `webhooks`: subscriptions (owner, target URL, event patterns, optional
 * record filter, the signing secret). `webhook_deliveries`: one row per
 * (webhook, event), unique, holding the body as sent so a replay resends it,
 * and the id of the Bull job that carries it (the sweeper checks it is alive).
 * `webhook_attempts`: one row per HTTP attempt (status, duration, response
 * excerpt, error).
 */
export class Webhooks1763800900000 implements MigrationInterface {
  name = 'Webhooks1763800900000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'webhooks',
        columns: [
          c.id(),
          c.uuid('user_id'),
          c.string('url', 2048),
          c.text('events', false),
          c.text('filter'),
          c.boolean('active', true),
          c.string('secret', 64),
          c.integer('consecutive_failures'),
          c.string('disabled_reason', 300, true),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        indices: [new TableIndex({ name: 'webhooks_user_id_idx', columnNames: ['user_id'] }), new TableIndex({ name: 'webhooks_active_idx', columnNames: ['active'] })],
      }),
    );
    await runner.createForeignKey(
      'webhooks',
      new TableForeignKey({ name: 'webhooks_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    await runner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          c.id(),
          c.uuid('webhook_id'),
          c.exactString('event_id', 20),
          c.string('event_type', 32),
          c.string('status', 16),
          c.integer('attempts'),
          c.string('job_id', 100),
          c.text('payload', false),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        indices: [
          // One delivery per (webhook, event): a relay or fan-out that runs twice delivers once.
          new TableIndex({ name: 'webhook_deliveries_webhook_event_key', columnNames: ['webhook_id', 'event_id'], isUnique: true }),
          new TableIndex({ name: 'webhook_deliveries_webhook_created_idx', columnNames: ['webhook_id', 'created_at'] }),
        ],
      }),
    );
    await runner.createForeignKey(
      'webhook_deliveries',
      new TableForeignKey({ name: 'webhook_deliveries_webhook_id_fkey', columnNames: ['webhook_id'], referencedTableName: 'webhooks', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    await runner.createTable(
      new Table({
        name: 'webhook_attempts',
        columns: [
          c.id(),
          c.uuid('delivery_id'),
          c.integer('attempt'),
          { name: 'status_code', type: 'integer', isNullable: true },
          c.integer('duration_ms'),
          c.text('response_excerpt'),
          c.string('error', 500, true),
          c.timestamp('at'),
        ],
        indices: [new TableIndex({ name: 'webhook_attempts_delivery_id_idx', columnNames: ['delivery_id'] })],
      }),
    );
    await runner.createForeignKey(
      'webhook_attempts',
      new TableForeignKey({ name: 'webhook_attempts_delivery_id_fkey', columnNames: ['delivery_id'], referencedTableName: 'webhook_deliveries', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('webhook_attempts');
    await runner.dropTable('webhook_deliveries');
    await runner.dropTable('webhooks');
  }
}
