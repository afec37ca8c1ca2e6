import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isStatementTimeout } from 'src/common/errors/to-problem';
import { dialectOf, type SqlDialect } from 'src/infra/database/dialect';
import { ReadReplicas, type ReadConsistency, type Replica } from 'src/infra/database/read-replicas';
import { timed } from 'src/infra/database/query-timings';
import { mysqlReadTimeLimit, type ReadTimeLimit } from 'src/infra/database/read-time-limit';
import { AppConfig } from 'src/config/app-config';

export interface SqlResult<T = Record<string, unknown>> {
  rows: T[];
  affected: number;
}

export interface SqlRunner {
  readonly dialect: SqlDialect;
  run<T = Record<string, unknown>>(name: string, sql: string, params: unknown[]): Promise<SqlResult<T>>;
}

interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(error?: unknown): void;
}

interface PgPool {
  query: PgClient['query'];
  connect(): Promise<PgClient>;
}

/**
 * Runs the records module's hand-built SQL. On PostgreSQL (and the embedded
 * database, whose pool speaks the same interface) it goes straight to the pool
 * TypeORM's driver holds, as named prepared statements: PostgreSQL parses and
 * plans each shape once per connection instead of on every request. MySQL
 * goes through TypeORM's query path, each read bounded by the statement
 * timeout on its own (PostgreSQL's pool connections carry it).
 *
 * Writes, transactions and the reads inside them use the primary; the
 * records routes' own reads may use a streaming replica (`reading`).
 */
@Injectable()
export class SqlExecutor implements SqlRunner, OnModuleInit {
  readonly dialect: SqlDialect;
  private readonly pool?: PgPool;
  private limitRead: ReadTimeLimit = (sql) => sql;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly replicas: ReadReplicas,
    private readonly config: AppConfig,
  ) {
    this.dialect = dialectOf(dataSource);
    if (this.dialect === 'postgres') this.pool = (dataSource.driver as unknown as { master: PgPool }).master;
  }

  async onModuleInit(): Promise<void> {
    if (this.dialect === 'mysql') this.limitRead = await mysqlReadTimeLimit(this.dataSource, this.config.protection.statementTimeoutMs);
  }

  async run<T>(name: string, sql: string, params: unknown[]): Promise<SqlResult<T>> {
    const kind = sql.startsWith('SELECT') ? 'read' : 'write';
    if (this.pool) {
      const result = await timed(kind, this.pool.query({ name, text: sql, values: params }));
      return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
    }
    return timed(kind, this.mysql<T>(this.dataSource, kind === 'read' ? this.limitRead(sql) : sql, params));
  }

  /**
   * A runner for one request's reads: on the replica ReadReplicas picks for
   * `consistency` (all of the request's statements on the same one), else
   * on the primary; with no consistency (internal calls), the primary. A
   * statement the replica fails runs again on the primary.
   */
  reading(consistency: ReadConsistency | undefined): SqlRunner {
    const replica = this.pool && consistency ? this.replicas.choose(consistency) : undefined;
    return replica ? { dialect: this.dialect, run: (name, sql, params) => this.onReplica(replica, name, sql, params) } : this;
  }

  private async onReplica<T>(replica: Replica, name: string, sql: string, params: unknown[]): Promise<SqlResult<T>> {
    try {
      const result = await timed('read', replica.pool.query({ name, text: sql, values: params }));
      return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
    } catch (error) {
      // A statement past its time limit would be as slow on the primary: the caller gets the timeout.
      if (isStatementTimeout(error)) throw error;
      // Down, cut off, cancelled by replay, or behind on a schema change: the primary answers.
      this.replicas.failed(replica, error);
      return this.run<T>(name, sql, params);
    }
  }

  /** Everything `work` runs commits together or not at all; timed as one. */
  transaction<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T> {
    return timed('transaction', this.inTransaction(work));
  }

  private async inTransaction<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T> {
    if (this.pool) {
      const client = await this.pool.connect();
      try {
        await client.query({ text: 'BEGIN', values: [] });
        const result = await work({
          dialect: this.dialect,
          run: async <R>(name: string, sql: string, params: unknown[]) => {
            const r = await client.query({ name, text: sql, values: params });
            return { rows: r.rows as R[], affected: r.rowCount ?? 0 };
          },
        });
        await client.query({ text: 'COMMIT', values: [] });
        client.release();
        return result;
      } catch (error) {
        await client.query({ text: 'ROLLBACK', values: [] }).then(
          () => client.release(),
          (rollbackError: unknown) => client.release(rollbackError),
        );
        throw error;
      }
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const result = await work({ dialect: this.dialect, run: <R>(_name: string, sql: string, params: unknown[]) => this.mysql<R>(runner, sql, params) });
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async mysql<T>(target: { query: DataSource['query'] }, sql: string, params: unknown[]): Promise<SqlResult<T>> {
    const result = await target.query(sql, params);
    if (Array.isArray(result)) return { rows: result as T[], affected: result.length };
    return { rows: [], affected: Number((result as { affectedRows?: number }).affectedRows ?? 0) };
  }
}
