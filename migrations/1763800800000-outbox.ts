import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * The transactional outbox. `outbox_events` gets one row per record or
 * schema change, written in the change's own transaction; `position` stays
 * null until the relay sends the event out and numbers it. `outbox_relay`
 * holds one row: the last position handed out, locked by the relay that is
 * working so events leave in one order across every node.
 */
export class Outbox1763800800000 implements MigrationInterface {
  name = 'Outbox1763800800000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          c.string('type', 32),
          c.string('collection', 64),
          c.uuid('record_id', true),
          c.uuid('actor_id', true),
          c.text('data'),
          c.timestamp('created_at'),
          { name: 'position', type: 'bigint', isNullable: true },
          c.timestamp('relayed_at', true),
        ],
        // Serves both "pending, oldest first" (position IS NULL, by seq) and "after position N".
        indices: [new TableIndex({ name: 'outbox_events_position_idx', columnNames: ['position', 'seq'] })],
      }),
    );
    await runner.createTable(new Table({ name: 'outbox_relay', columns: [{ name: 'id', type: 'integer', isPrimary: true }, { name: 'position', type: 'bigint' }] }));
    await runner.query('INSERT INTO outbox_relay (id, position) VALUES (1, 0)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('outbox_relay');
    await runner.dropTable('outbox_events');
  }
}
