/** HTTP counters of one node since it started, cumulative, as the node publishes them. */
export interface HttpCounters {
  requests: number;
  serverErrors: number;
  /** Cumulative count per histogram bucket, in the order of HTTP_BUCKETS_SECONDS (the +Inf bucket is `requests`). */
  buckets: number[];
}

/** What each API node publishes to Redis every BASALT_ALERT_SNAPSHOT_MS. */
export interface NodeSnapshot {
  node: string;
  startedAt: number;
  at: number;
  http: HttpCounters;
  subscribers: number;
  heapUsedRatio: number;
  diskUsedRatio: number | null;
  ready: boolean;
}

/** The counters of every live node at one evaluation, kept for the rate window. */
export interface ClusterSample {
  at: number;
  nodes: Record<string, HttpCounters & { startedAt: number }>;
}

export interface WindowFigures {
  requests: number;
  serverErrors: number;
  seconds: number;
  /** Bucket counts of the requests in the window. */
  buckets: number[];
}

/**
 * The HTTP traffic between the oldest sample inside the window and the
 * newest, summed over nodes. Counters are per process (a node id is new at
 * each start), so each node is differenced against its own earlier value; a
 * node absent from the base sample counts from zero only if it started after
 * the base (else its whole history would count as recent). Undefined when
 * there is no earlier sample to compare with.
 */
export function httpWindow(samples: readonly ClusterSample[], now: number, windowMs: number): WindowFigures | undefined {
  const ordered = [...samples].sort((a, b) => a.at - b.at);
  const latest = ordered.at(-1);
  const base = ordered.find((s) => s.at >= now - windowMs && s !== latest);
  if (!latest || !base) return undefined;
  const result: WindowFigures = { requests: 0, serverErrors: 0, seconds: (latest.at - base.at) / 1000, buckets: [] };
  for (const [node, current] of Object.entries(latest.nodes)) {
    const before = base.nodes[node] ?? (current.startedAt >= base.at ? { requests: 0, serverErrors: 0, buckets: [] } : undefined);
    if (!before || current.requests < before.requests) continue;
    result.requests += current.requests - before.requests;
    result.serverErrors += current.serverErrors - before.serverErrors;
    current.buckets.forEach((count, i) => (result.buckets[i] = (result.buckets[i] ?? 0) + count - (before.buckets[i] ?? 0)));
  }
  return result;
}

/**
 * Prometheus' histogram_quantile: find the bucket holding the rank and
 * interpolate linearly inside it; a rank past the last finite bucket answers
 * that bucket's bound. Null without observations.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[], total: number): number | null {
  if (total <= 0) return null;
  const rank = q * total;
  let previousCount = 0;
  let previousBound = 0;
  for (let i = 0; i < bounds.length; i++) {
    const count = cumulative[i] ?? 0;
    if (count >= rank) {
      const inBucket = count - previousCount;
      return inBucket === 0 ? bounds[i] : previousBound + ((bounds[i] - previousBound) * (rank - previousCount)) / inBucket;
    }
    previousCount = count;
    previousBound = bounds[i];
  }
  return bounds.at(-1) ?? null;
}
