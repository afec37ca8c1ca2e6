/**
 * What a rule can watch. Cluster-wide figures: HTTP ones are computed over
 * BASALT_ALERT_RATE_WINDOW_SECONDS from every live API node's counters;
 * per-node gauges take the worst node; queue and outbox figures are read
 * from Redis and the database once per evaluation.
 */
export const ALERT_METRICS = {
  http_error_rate: { description: 'Share of HTTP responses with a 5xx status (0 to 1) over the rate window, all nodes.', ratio: true },
  http_p99_ms: { description: '99th percentile HTTP response time in ms over the rate window, all nodes (from the histogram buckets).', ratio: false },
  http_requests_per_second: { description: 'HTTP requests per second over the rate window, all nodes.', ratio: false },
  queue_backlog: { description: 'Jobs waiting (and paused) in `queue`, or in every queue without one.', ratio: false },
  queue_failed: { description: 'Failed jobs kept in `queue`, or in every queue without one.', ratio: false },
  outbox_lag_seconds: { description: 'Age of the oldest change event not yet relayed.', ratio: false },
  nodes_not_ready: { description: 'API nodes whose readiness check (database, Redis, queue round trip, disk, heap) fails.', ratio: false },
  nodes_live: { description: 'API nodes that published a snapshot recently.', ratio: false },
  disk_used_ratio: { description: 'Used share of the data directory’s file system (0 to 1), the fullest node.', ratio: true },
  heap_used_ratio: { description: 'Used share of the V8 heap limit (0 to 1), the fullest node.', ratio: true },
  realtime_subscribers: { description: 'Server-Sent Event streams open, all nodes.', ratio: false },
} as const;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as AlertMetric[];
/** Metrics that take an optional `queue`. */
export const QUEUE_METRICS: readonly AlertMetric[] = ['queue_backlog', 'queue_failed'];

export const ALERT_OPERATORS = ['>', '>=', '<', '<='] as const;
export type AlertOperator = (typeof ALERT_OPERATORS)[number];

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Whether `value` breaks the rule; no value (no traffic, no node) never does. */
export function breaches(value: number | null, operator: AlertOperator, threshold: number): boolean {
  if (value === null) return false;
  switch (operator) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}
