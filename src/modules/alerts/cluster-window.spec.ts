import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { histogramQuantile, httpWindow, type ClusterSample } from './cluster-window';

const node = (requests: number, serverErrors: number, buckets: number[], startedAt = 0) => ({ requests, serverErrors, buckets, startedAt });

describe('rates over the window from cumulative node counters', () => {
  test('each node is differenced against its own earlier value and the results summed', () => {
    const samples: ClusterSample[] = [
      { at: 0, nodes: { a: node(100, 1, [90, 100]), b: node(50, 0, [50, 50]) } },
      { at: 30_000, nodes: { a: node(150, 3, [130, 150]), b: node(70, 0, [60, 70]) } },
      { at: 60_000, nodes: { a: node(300, 13, [250, 300]), b: node(150, 5, [100, 150]) } },
    ];
    const w = httpWindow(samples, 60_000, 60_000)!;
    assert.deepEqual(w, { requests: 300, serverErrors: 17, seconds: 60, buckets: [210, 300] });
  });

  test('the base is the oldest sample inside the window; older ones are ignored', () => {
    const samples: ClusterSample[] = [
      { at: 0, nodes: { a: node(0, 0, [0]) } },
      { at: 50_000, nodes: { a: node(100, 10, [100]) } },
      { at: 70_000, nodes: { a: node(120, 10, [120]) } },
    ];
    assert.deepEqual(httpWindow(samples, 70_000, 30_000), { requests: 20, serverErrors: 0, seconds: 20, buckets: [20] });
  });

  test('a node that started inside the window counts from zero; one merely missing from the base does not count', () => {
    const samples: ClusterSample[] = [
      { at: 10_000, nodes: { a: node(10, 0, [10]) } },
      { at: 20_000, nodes: { a: node(20, 0, [20]), fresh: node(5, 5, [5], 15_000), old: node(1000, 900, [1000], 1_000) } },
    ];
    assert.deepEqual(httpWindow(samples, 20_000, 60_000), { requests: 15, serverErrors: 5, seconds: 10, buckets: [15] });
  });

  test('one sample is no window: no figures rather than a lifetime counted as recent', () => {
    assert.equal(httpWindow([{ at: 0, nodes: { a: node(10, 10, [10]) } }], 0, 60_000), undefined);
    assert.equal(httpWindow([], 0, 60_000), undefined);
  });
});

describe('histogram quantile', () => {
  const bounds = [0.1, 0.5, 1];

  test('interpolates inside the bucket holding the rank', () => {
    // 100 observations: 50 ≤ 0.1, 40 in (0.1, 0.5], 10 in (0.5, 1].
    assert.equal(histogramQuantile(0.5, bounds, [50, 90, 100], 100), 0.1);
    assert.ok(Math.abs(histogramQuantile(0.7, bounds, [50, 90, 100], 100)! - 0.3) < 1e-9);
    assert.ok(Math.abs(histogramQuantile(0.99, bounds, [50, 90, 100], 100)! - 0.95) < 1e-9);
  });

  test('the first bucket interpolates from zero', () => {
    assert.ok(Math.abs(histogramQuantile(0.5, bounds, [10, 10, 10], 10)! - 0.05) < 1e-9);
  });

  test('a rank in the +Inf bucket answers the largest finite bound; nothing observed is null', () => {
    assert.equal(histogramQuantile(0.99, bounds, [0, 0, 0], 10), 1);
    assert.equal(histogramQuantile(0.99, bounds, [0, 0, 0], 0), null);
  });
});
