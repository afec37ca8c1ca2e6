import type { DataSource } from 'typeorm';

/** The SQL dialect Basalt writes by hand: the embedded database is PostgreSQL. */
export type SqlDialect = 'postgres' | 'mysql';

export function dialectOf(dataSource: DataSource): SqlDialect {
  return dataSource.options.type === 'mysql' ? 'mysql' : 'postgres';
}
