import type { DataSource } from 'typeorm';

/** The SQL dialect Basalt writes by hand: the embedded database is PostgreSQL. */
export type SqlDialect = 'postgres' | 'mysql';

/** The n-th (1-based) bound parameter in hand-written SQL. */
export function placeholder(dialect: SqlDialect, position: number): string {
  return dialect === 'postgres' ? `$${position}` : '?';
}

export function dialectOf(dataSource: DataSource): SqlDialect {
  return dataSource.options.type === 'mysql' ? 'mysql' : 'postgres';
}
