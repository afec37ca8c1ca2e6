import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

export class Collections1763790000000 implements MigrationInterface {
  name = 'Collections1763790000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'collections',
        columns: [{ ...c.string('name', 48), isPrimary: true }, c.text('definition', false), { name: 'version', type: 'integer' }, c.timestamp('created_at'), c.timestamp('updated_at')],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'schema_events',
        columns: [
          { name: 'version', type: 'integer', isPrimary: true },
          c.string('collection', 48),
          c.string('action', 16),
          c.text('changes', false),
          c.uuid('actor_id', true),
          c.timestamp('created_at'),
        ],
        indices: [new TableIndex({ name: 'schema_events_collection_idx', columnNames: ['collection', 'version'] })],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('schema_events');
    await runner.dropTable('collections');
  }
}
