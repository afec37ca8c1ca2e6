import { Histogram } from 'prom-client';
import { EventSubscriber, type AfterQueryEvent, type EntitySubscriberInterface } from 'typeorm';

/**
 * How long the records module's SQL takes (the hot path), by statement kind.
 * Lives with the database infrastructure so the records executor can time
 * its queries without depending on the metrics module, which registers it.
 */
export const queryDuration = new Histogram({
  name: 'basalt_db_query_duration_seconds',
  help: 'Duration of queries, by kind: record reads, writes and write transactions; typeorm for what goes through TypeORM.',
  labelNames: ['kind'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [],
});

export type QueryKind = 'read' | 'write' | 'transaction' | 'typeorm';

/** Times `work` into the histogram, whether it succeeds or fails. */
export async function timed<T>(kind: QueryKind, work: Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await work;
  } finally {
    queryDuration.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

/**
 * Times every statement TypeORM runs: Basalt's own tables (users, sessions,
 * permissions, webhooks, …), migrations and DDL. The records hot path runs
 * beside TypeORM on PostgreSQL and is timed by `timed`; on MySQL its
 * statements pass through TypeORM, so they count here as well.
 */
@EventSubscriber()
export class QueryTimingSubscriber implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    if (event.executionTime !== undefined) queryDuration.observe({ kind: 'typeorm' }, event.executionTime / 1000);
  }
}
