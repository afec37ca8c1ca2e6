import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

export class UsersAndSessions1763780000000 implements MigrationInterface {
  name = 'UsersAndSessions1763780000000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'users',
        columns: [
          c.id(),
          c.string('email', 320),
          c.string('password_hash', 255, true),
          c.string('name', 200, true),
          c.string('role', 32),
          c.boolean('disabled', false),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
        ],
        indices: [new TableIndex({ name: 'users_email_key', columnNames: ['email'], isUnique: true })],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          c.id(),
          c.uuid('user_id'),
          c.string('refresh_token_hash', 64),
          c.string('previous_token_hash', 64, true),
          c.string('user_agent', 512, true),
          c.string('ip', 64, true),
          c.timestamp('created_at'),
          c.timestamp('last_used_at'),
          c.timestamp('expires_at'),
          c.timestamp('revoked_at', true),
        ],
        indices: [
          new TableIndex({ name: 'sessions_refresh_token_hash_key', columnNames: ['refresh_token_hash'], isUnique: true }),
          new TableIndex({ name: 'sessions_previous_token_hash_idx', columnNames: ['previous_token_hash'] }),
          new TableIndex({ name: 'sessions_user_id_idx', columnNames: ['user_id'] }),
        ],
      }),
    );
    await runner.createForeignKey(
      'sessions',
      new TableForeignKey({ name: 'sessions_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('sessions');
    await runner.dropTable('users');
  }
}
