import { Counter } from 'prom-client';

/**
 * The read cache's counters. Defined here so the cache depends on nothing but
 * Redis; the metrics module registers them. Hit ratio:
 * hit / (hit + miss); `bypass` counts reads that were not cacheable.
 */
export const cacheRequests = new Counter({
  name: 'basalt_cache_requests_total',
  help: 'Records reads seen by the read cache, by collection and result (hit, miss, bypass).',
  labelNames: ['collection', 'result'] as const,
  registers: [],
});

export const cacheInvalidations = new Counter({
  name: 'basalt_cache_invalidations_total',
  help: 'Collection generations moved on, by source (write: the writer after its commit; relay: the outbox relay as a backstop).',
  labelNames: ['source'] as const,
  registers: [],
});

export const cacheErrors = new Counter({
  name: 'basalt_cache_errors_total',
  help: 'Read cache operations that failed (Redis did not answer); reads then go to the database.',
  labelNames: ['operation'] as const,
  registers: [],
});
