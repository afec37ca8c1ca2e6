import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * TOTP second factor: one row per user (the secret encrypted with a key
 * derived from the signing secret; pending until `confirmed_at`; the last
 * accepted time step, against replay) and its one-time recovery codes
 * (HMAC hashes only).
 */
export class UserMfa1763800500000 implements MigrationInterface {
  name = 'UserMfa1763800500000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'user_mfa',
        columns: [
          { ...c.uuid('user_id'), isPrimary: true },
          c.string('secret_encrypted', 255),
          c.timestamp('confirmed_at', true),
          { name: 'last_used_step', type: 'integer', isNullable: true },
          c.timestamp('created_at'),
        ],
      }),
    );
    await runner.createForeignKey(
      'user_mfa',
      new TableForeignKey({ name: 'user_mfa_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    await runner.createTable(
      new Table({
        name: 'mfa_recovery_codes',
        columns: [c.id(), c.uuid('user_id'), c.string('code_hash', 64), c.timestamp('used_at', true), c.timestamp('created_at')],
        indices: [new TableIndex({ name: 'mfa_recovery_codes_user_id_code_hash_key', columnNames: ['user_id', 'code_hash'], isUnique: true })],
      }),
    );
    await runner.createForeignKey(
      'mfa_recovery_codes',
      new TableForeignKey({
        name: 'mfa_recovery_codes_user_id_fkey',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('mfa_recovery_codes');
    await runner.dropTable('user_mfa');
  }
}
