import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * Sign-in identities at OpenID Connect providers: (provider, subject) is
 * linked to one account. The subject is compared exactly on every dialect.
 */
export class Identities1763800300000 implements MigrationInterface {
  name = 'Identities1763800300000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'identities',
        columns: [c.id(), c.string('provider', 40), c.exactString('subject', 255), c.uuid('user_id'), c.string('email', 320, true), c.timestamp('created_at')],
        indices: [
          new TableIndex({ name: 'identities_provider_subject_key', columnNames: ['provider', 'subject'], isUnique: true }),
          new TableIndex({ name: 'identities_user_id_idx', columnNames: ['user_id'] }),
        ],
      }),
    );
    await runner.createForeignKey(
      'identities',
      new TableForeignKey({ name: 'identities_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('identities');
  }
}
