import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RETRY_DELAY_MS, isRetryable, staleAfterMs, webhookRetryDelay } from './webhook-retry';

test('network errors, timeouts, 5xx, 408 and 429 are retried; other 4xx, 3xx and refusals are not', () => {
  assert.equal(isRetryable({}), true);
  for (const status of [500, 502, 503, 504, 408, 429]) assert.equal(isRetryable({ statusCode: status }), true, String(status));
  for (const status of [400, 401, 403, 404, 410, 422, 301]) assert.equal(isRetryable({ statusCode: status }), false, String(status));
  assert.equal(isRetryable({ refused: true }), false);
});

test('the delay doubles per attempt, jittered between half and all of it', () => {
  assert.equal(webhookRetryDelay(1, 1000, () => 0), 500);
  assert.equal(webhookRetryDelay(1, 1000, () => 0.999999), 1000);
  assert.equal(webhookRetryDelay(3, 1000, () => 0), 2000);
  assert.equal(webhookRetryDelay(3, 1000, () => 0.5), 3000);
  const seen = new Set(Array.from({ length: 50 }, () => webhookRetryDelay(4, 1000)));
  assert.ok(seen.size > 10, 'jitter spreads the delays');
  for (const delay of seen) assert.ok(delay >= 4000 && delay <= 8000, String(delay));
});

test('the delay never exceeds an hour', () => {
  assert.ok(webhookRetryDelay(40, 2000, () => 0.999999) <= MAX_RETRY_DELAY_MS);
  assert.equal(webhookRetryDelay(40, 2000, () => 0), MAX_RETRY_DELAY_MS / 2);
});

test('a pending delivery is stale after the longest wait between attempts, a request and a minute', () => {
  // 8 attempts, base 2 s: the 7th failure waits at most 2 s × 2^6 = 128 s.
  assert.equal(staleAfterMs({ maxAttempts: 8, retryBaseMs: 2000, timeoutMs: 10_000 }), 128_000 + 10_000 + 60_000);
  for (let n = 1; n < 8; n++) assert.ok(webhookRetryDelay(n, 2000, () => 0.999999) <= 128_000);
  assert.equal(staleAfterMs({ maxAttempts: 1, retryBaseMs: 2000, timeoutMs: 10_000 }), 2000 + 10_000 + 60_000);
  assert.equal(staleAfterMs({ maxAttempts: 30, retryBaseMs: 2000, timeoutMs: 10_000 }), MAX_RETRY_DELAY_MS + 70_000);
});
