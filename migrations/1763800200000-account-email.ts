import { Table, TableColumn, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * Email verification and password reset: when each user's address was
 * confirmed, and the one-time tokens the emails carry (SHA-256 hashes only).
 */
export class AccountEmail1763800200000 implements MigrationInterface {
  name = 'AccountEmail1763800200000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.addColumn('users', new TableColumn(c.timestamp('email_verified_at', true)));
    await runner.createTable(
      new Table({
        name: 'account_tokens',
        columns: [
          c.id(),
          c.uuid('user_id'),
          c.string('purpose', 32),
          c.string('token_hash', 64),
          c.timestamp('expires_at'),
          c.timestamp('used_at', true),
          c.timestamp('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'account_tokens_token_hash_key', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'account_tokens_user_purpose_idx', columnNames: ['user_id', 'purpose'] }),
          new TableIndex({ name: 'account_tokens_expires_at_idx', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await runner.createForeignKey(
      'account_tokens',
      new TableForeignKey({ name: 'account_tokens_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('account_tokens');
    await runner.dropColumn('users', 'email_verified_at');
  }
}
