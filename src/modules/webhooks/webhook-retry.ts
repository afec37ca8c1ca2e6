/**
 * When a failed attempt is retried, and how long to wait. Pure code: the
 * `webhooks` queue registers `webhookRetryDelay` as its backoff strategy.
 */

/** Network errors, timeouts, 5xx, 408 and 429 are worth another try; other answers (2xx aside) will not change. */
export function isRetryable(outcome: { statusCode?: number; refused?: boolean }): boolean {
  if (outcome.refused) return false;
  const status = outcome.statusCode;
  if (status === undefined) return true;
  return status >= 500 || status === 408 || status === 429;
}

/** Upper bound of any single wait: one hour. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Exponential backoff with jitter: after the n-th failed attempt wait a
 * random time in [cap/2, cap] where cap = base × 2^(n-1), so receivers that
 * failed together are not retried together. `random` in [0, 1).
 */
export function webhookRetryDelay(attemptsMade: number, baseDelayMs: number, random: () => number = Math.random): number {
  const cap = Math.min(MAX_RETRY_DELAY_MS, baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * How long a pending delivery may go without an attempt before its job is
 * presumed lost (a Redis that restarted empty): the longest wait between two
 * attempts, plus one request's time limit, plus a minute of slack.
 */
export function staleAfterMs(config: { maxAttempts: number; retryBaseMs: number; timeoutMs: number }): number {
  const longestWait = Math.min(MAX_RETRY_DELAY_MS, config.retryBaseMs * 2 ** Math.max(0, config.maxAttempts - 2));
  return longestWait + config.timeoutMs + 60_000;
}
