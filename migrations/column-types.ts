import type { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Column shapes that differ between PostgreSQL (and the embedded database,
 * which is PostgreSQL) and MySQL/MariaDB, so each migration is written once.
 */
export function columns(runner: QueryRunner) {
  const mysql = runner.connection.options.type === 'mysql';
  return {
    id: (name = 'id'): TableColumnOptions => ({ name, type: mysql ? 'char' : 'uuid', length: mysql ? '36' : undefined, isPrimary: true }),
    uuid: (name: string, nullable = false): TableColumnOptions => ({ name, type: mysql ? 'char' : 'uuid', length: mysql ? '36' : undefined, isNullable: nullable }),
    timestamp: (name: string, nullable = false): TableColumnOptions => ({
      name,
      type: mysql ? 'datetime' : 'timestamptz',
      precision: mysql ? 3 : undefined,
      isNullable: nullable,
      default: nullable ? undefined : mysql ? 'CURRENT_TIMESTAMP(3)' : 'now()',
    }),
    string: (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable }),
    /** A string compared byte for byte (identifiers from elsewhere): MySQL's default collation would ignore case. */
    exactString: (name: string, length: number, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
      collation: mysql ? 'utf8mb4_bin' : undefined,
    }),
    boolean: (name: string, value: boolean): TableColumnOptions => ({ name, type: 'boolean', default: mysql ? (value ? 1 : 0) : String(value) }),
    integer: (name: string, value = 0): TableColumnOptions => ({ name, type: 'integer', default: String(value) }),
    text: (name: string, nullable = true): TableColumnOptions => ({ name, type: 'text', isNullable: nullable }),
  };
}
