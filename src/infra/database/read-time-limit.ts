import type { DataSource } from 'typeorm';

/** Rewrites one SELECT so the server cancels it past the limit. */
export type ReadTimeLimit = (sql: string) => string;

/**
 * MySQL and MariaDB have no statement timeout for reads alone at the
 * connection level (MariaDB's max_statement_time would also cut DDL and
 * writes), so each read carries its own: MariaDB's `SET STATEMENT ... FOR`,
 * MySQL's MAX_EXECUTION_TIME optimizer hint. PostgreSQL needs none of this:
 * its pool connections carry statement_timeout (see data-source-options.ts).
 */
export async function mysqlReadTimeLimit(dataSource: DataSource, limitMs: number): Promise<ReadTimeLimit> {
  if (limitMs === 0) return (sql) => sql;
  const [row] = (await dataSource.query('SELECT VERSION() AS version')) as { version: string }[];
  return readTimeLimitFor(row.version, limitMs);
}

export function readTimeLimitFor(serverVersion: string, limitMs: number): ReadTimeLimit {
  if (/mariadb/i.test(serverVersion)) {
    const prefix = `SET STATEMENT max_statement_time=${limitMs / 1000} FOR `;
    return (sql) => prefix + sql;
  }
  const hint = `SELECT /*+ MAX_EXECUTION_TIME(${limitMs}) */`;
  return (sql) => sql.replace(/^SELECT\b/, hint);
}
