import { Table, TableColumn, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columns } from './column-types';

/**
 * `roles`: the roles administrators create (the built-ins admin, user and
 * public are implicit and have no row). `user_roles`: which custom roles a
 * user holds; a role cannot be deleted while a user holds it (RESTRICT), a
 * deleted user's memberships go with them (CASCADE). `permissions.check`: the
 * filter a created or updated record must match.
 */
export class Roles1763800700000 implements MigrationInterface {
  name = 'Roles1763800700000';

  async up(runner: QueryRunner): Promise<void> {
    const c = columns(runner);
    await runner.createTable(
      new Table({
        name: 'roles',
        columns: [{ ...c.exactString('name', 32), isPrimary: true }, c.text('description'), c.timestamp('created_at')],
      }),
    );
    await runner.createTable(
      new Table({
        name: 'user_roles',
        columns: [{ ...c.uuid('user_id'), isPrimary: true }, { ...c.exactString('role', 32), isPrimary: true }, c.timestamp('created_at')],
        indices: [new TableIndex({ name: 'user_roles_role_idx', columnNames: ['role'] })],
      }),
    );
    await runner.createForeignKey(
      'user_roles',
      new TableForeignKey({ name: 'user_roles_user_id_fkey', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
    );
    await runner.createForeignKey(
      'user_roles',
      new TableForeignKey({ name: 'user_roles_role_fkey', columnNames: ['role'], referencedTableName: 'roles', referencedColumnNames: ['name'], onDelete: 'RESTRICT' }),
    );
    await runner.addColumn('permissions', new TableColumn(c.text('check_filter')));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('permissions', 'check_filter');
    await runner.dropTable('user_roles');
    await runner.dropTable('roles');
  }
}
