import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Every node re-reads the sessions revoked within the last access-token
 * lifetime (at start and every BASALT_REVOCATION_RESYNC_SECONDS), so that the
 * database, not only Redis, tells it which access tokens are dead.
 */
export class SessionsRevokedAtIndex1763800100000 implements MigrationInterface {
  name = 'SessionsRevokedAtIndex1763800100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createIndex('sessions', new TableIndex({ name: 'sessions_revoked_at_idx', columnNames: ['revoked_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('sessions', 'sessions_revoked_at_idx');
  }
}
