import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * - MariaDB's TEXT holds 64 KB, less than one record may be: an outbox event
 *   carrying a larger record failed the write itself. LONGTEXT, as record
 *   text fields use. (PostgreSQL's text has no such limit.)
 * - The hourly auth cleanup deletes sessions by `expires_at`.
 */
export class RealtimeAndCleanup1763801100000 implements MigrationInterface {
  name = 'RealtimeAndCleanup1763801100000';

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type === 'mysql') {
      await runner.query('ALTER TABLE outbox_events MODIFY data LONGTEXT NULL');
    }
    await runner.createIndex('sessions', new TableIndex({ name: 'sessions_expires_at_idx', columnNames: ['expires_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('sessions', 'sessions_expires_at_idx');
    if (runner.connection.options.type === 'mysql') {
      await runner.query('ALTER TABLE outbox_events MODIFY data TEXT NULL');
    }
  }
}
