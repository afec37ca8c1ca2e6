import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LeaseBook, leaseSize, type LeaseGrant } from './lease-book';

/** The Redis script's arithmetic over a shared counter, so several books can play several nodes. */
function sharedCounter(windowMs: number, now: () => number) {
  const counts = new Map<string, { count: number; endsAt: number }>();
  let calls = 0;
  const requestLease = async (key: string, want: number, limit: number): Promise<LeaseGrant> => {
    calls += 1;
    await Promise.resolve();
    let window = counts.get(key);
    if (!window || window.endsAt <= now()) counts.set(key, (window = { count: 0, endsAt: now() + windowMs }));
    const granted = Math.max(0, Math.min(want, limit - window.count));
    window.count += granted;
    return { granted, count: window.count, resetMs: window.endsAt - now() };
  };
  return { requestLease, calls: () => calls };
}

describe('rate-limit leases', () => {
  test('a lease is a sixteenth of what is left, at least 1 and at most 100', () => {
    assert.equal(leaseSize(6, 0), 1);
    assert.equal(leaseSize(600, 0), 37);
    assert.equal(leaseSize(600, 590), 1);
    assert.equal(leaseSize(1_000_000, 0), 100);
  });

  test('most requests cost no call to the counter store', async () => {
    const store = sharedCounter(60_000, () => 0);
    const book = new LeaseBook(store.requestLease, () => 0);
    for (let i = 0; i < 1000; i++) assert.equal((await book.take('user:a', 1_000_000)).allowed, true);
    assert.equal(store.calls(), 10);
  });

  test('two nodes together never admit more than the limit, and refusals cost nothing', async () => {
    const store = sharedCounter(60_000, () => 0);
    const nodes = [new LeaseBook(store.requestLease, () => 0), new LeaseBook(store.requestLease, () => 0)];
    let admitted = 0;
    for (let i = 0; i < 1200; i++) if ((await nodes[i % 2].take('ip:1', 600)).allowed) admitted += 1;
    assert.ok(admitted <= 600, `admitted ${admitted}`);
    assert.ok(admitted >= 590, `leases shrink near the limit, so little is left unspent: admitted ${admitted}`);
    const callsAtLimit = store.calls();
    for (let i = 0; i < 100; i++) assert.equal((await nodes[i % 2].take('ip:1', 600)).allowed, false);
    assert.equal(store.calls(), callsAtLimit, 'a spent budget is known locally until the window ends');
  });

  test('remaining counts down across nodes with small limits, exactly', async () => {
    const store = sharedCounter(60_000, () => 0);
    const nodes = [new LeaseBook(store.requestLease, () => 0), new LeaseBook(store.requestLease, () => 0)];
    const remaining = [];
    for (let i = 0; i < 7; i++) remaining.push((await nodes[i % 2].take('ip:2', 6)).remaining);
    assert.deepEqual(remaining, [5, 4, 3, 2, 1, 0, 0]);
  });

  test('concurrent requests of one caller share one lease request', async () => {
    const store = sharedCounter(60_000, () => 0);
    const book = new LeaseBook(store.requestLease, () => 0);
    const decisions = await Promise.all(Array.from({ length: 50 }, () => book.take('key:k', 1_000_000)));
    assert.ok(decisions.every((decision) => decision.allowed));
    assert.equal(store.calls(), 1);
  });

  test('a new window starts fresh, and ended windows are swept', async () => {
    let clock = 0;
    const store = sharedCounter(1000, () => clock);
    const book = new LeaseBook(store.requestLease, () => clock);
    for (let i = 0; i < 3; i++) await book.take('ip:3', 3);
    assert.equal((await book.take('ip:3', 3)).allowed, false);
    clock = 1000;
    assert.equal((await book.take('ip:3', 3)).allowed, true);
    clock = 5000;
    book.sweep();
    assert.equal(book.size, 0);
  });

  test('a failing store rejects, so the caller can fail open', async () => {
    const book = new LeaseBook(async () => {
      throw new Error('Connection is closed.');
    });
    await assert.rejects(book.take('ip:4', 10), /closed/);
  });
});
