import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * `account_erasures.records`: what an erasure did to the records the account
 * owned in collections (JSON, counts per collection, never data). Null for
 * erasures recorded before collections had owners.
 */
export class ErasureRecords1763801000000 implements MigrationInterface {
  name = 'ErasureRecords1763801000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('account_erasures', new TableColumn(columns(runner).text('records')));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('account_erasures', 'records');
  }
}
