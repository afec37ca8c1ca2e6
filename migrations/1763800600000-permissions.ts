import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * `permissions`: what non-administrators may do with records. One row per
 * role ('user', or 'public' for anonymous callers), collection and action,
 * with an optional row filter (JSON, the records filter language), field
 * allow-list (JSON array) and create presets (JSON object).
 */
export class Permissions1763800600000 implements MigrationInterface {
  name = 'Permissions1763800600000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'permissions',
        columns: [c.id(), c.string('role', 32), c.string('collection', 64), c.string('action', 16), c.text('row_filter'), c.text('fields'), c.text('presets'), c.timestamp('created_at')],
        indices: [new TableIndex({ name: 'permissions_role_collection_action_idx', columnNames: ['role', 'collection', 'action'] })],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('permissions');
  }
}
