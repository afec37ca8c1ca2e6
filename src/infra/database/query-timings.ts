import { Histogram } from 'prom-client';

/**
 * How long the records module's SQL takes (the hot path), by statement kind.
 * Lives with the database infrastructure so the records executor can time
 * its queries without depending on the metrics module, which registers it.
 */
export const queryDuration = new Histogram({
  name: 'basalt_db_query_duration_seconds',
  help: 'Duration of record queries, by kind (read, write, transaction).',
  labelNames: ['kind'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [],
});

export type QueryKind = 'read' | 'write' | 'transaction';

/** Times `work` into the histogram, whether it succeeds or fails. */
export async function timed<T>(kind: QueryKind, work: Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    return await work;
  } finally {
    queryDuration.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
