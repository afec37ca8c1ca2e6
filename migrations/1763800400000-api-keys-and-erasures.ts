import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * `api_keys`: machine credentials (`bsk_<id>_<secret>`); only the SHA-256 of
 * the secret is stored. `account_erasures`: one row per erased account (its
 * id, when, the mode and reason), never personal data.
 */
export class ApiKeysAndErasures1763800400000 implements MigrationInterface {
  name = 'ApiKeysAndErasures1763800400000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          c.id(),
          c.uuid('user_id'),
          c.string('name', 100),
          c.string('secret_hash', 64),
          c.text('scopes', false),
          c.timestamp('created_at'),
          c.timestamp('expires_at', true),
          c.timestamp('last_used_at', true),
          c.timestamp('revoked_at', true),
        ],
        indices: [new TableIndex({ name: 'api_keys_user_id_idx', columnNames: ['user_id'] })],
      }),
    );
    await runner.createForeignKey(
      'api_keys',
      new TableForeignKey({ name: 'api_keys_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    await runner.createTable(
      new Table({
        name: 'account_erasures',
        columns: [c.id(), c.uuid('user_id'), c.timestamp('erased_at'), c.string('mode', 16), c.string('reason', 64)],
        indices: [new TableIndex({ name: 'account_erasures_user_id_idx', columnNames: ['user_id'] })],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('account_erasures');
    await runner.dropTable('api_keys');
  }
}
