import type { DataSource } from 'typeorm';

export interface PoolStats {
  /** Connections open. */
  total: number;
  /** Of those, not lent out. */
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
}

interface PgLikePool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** mysql2's pool keeps these as (stable, if underscored) fields. */
interface Mysql2Pool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/** How busy the database pool of TypeORM's driver is: node-postgres, the embedded pool, or mysql2. */
export function poolStats(dataSource: DataSource): PoolStats | undefined {
  const driver = dataSource.driver as unknown as { master?: PgLikePool; pool?: Mysql2Pool };
  if (driver.master && typeof driver.master.totalCount === 'number') {
    return { total: driver.master.totalCount, idle: driver.master.idleCount, waiting: driver.master.waitingCount };
  }
  const pool = driver.pool;
  if (pool?._allConnections) {
    return { total: pool._allConnections.length, idle: pool._freeConnections?.length ?? 0, waiting: pool._connectionQueue?.length ?? 0 };
  }
  return undefined;
}
