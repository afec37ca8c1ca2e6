import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HTTP_BUCKETS_SECONDS, HttpTotals } from './metrics.service';

test('HTTP totals count requests, 5xx answers and cumulative buckets with le semantics', () => {
  const totals = new HttpTotals();
  totals.observe(200, 0.005); // on a bound: counts in that bucket (le)
  totals.observe(500, 0.3);
  totals.observe(503, 0.3);
  totals.observe(404, 60); // above every bound: only in +Inf
  const { requests, serverErrors, buckets } = totals.read();
  assert.equal(requests, 4);
  assert.equal(serverErrors, 2);
  assert.equal(buckets.length, HTTP_BUCKETS_SECONDS.length);
  assert.equal(buckets[HTTP_BUCKETS_SECONDS.indexOf(0.005)], 1);
  assert.equal(buckets[HTTP_BUCKETS_SECONDS.indexOf(0.25)], 1);
  assert.equal(buckets[HTTP_BUCKETS_SECONDS.indexOf(0.5)], 3);
  assert.equal(buckets.at(-1), 3);
});
