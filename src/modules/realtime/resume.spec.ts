import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLastEventId, planResume } from './resume';

describe('Last-Event-ID', () => {
  test('parsed as a non-negative integer; blank is absent; anything else is refused', () => {
    assert.equal(parseLastEventId(undefined), undefined);
    assert.equal(parseLastEventId(''), undefined);
    assert.equal(parseLastEventId(' 42 '), 42);
    assert.equal(parseLastEventId(['1', '9']), 9);
    assert.equal(parseLastEventId('-1'), null);
    assert.equal(parseLastEventId('4.5'), null);
    assert.equal(parseLastEventId('abc'), null);
    assert.equal(parseLastEventId('1'.repeat(16)), null);
  });

  test('no id: live from now', () => {
    assert.deepEqual(planResume(undefined, 1, 10), { kind: 'live' });
  });

  test('an id inside the window replays what follows it', () => {
    assert.deepEqual(planResume(5, 1, 10), { kind: 'replay', after: 5 });
    // Exactly the one before the oldest kept: nothing is missing.
    assert.deepEqual(planResume(4, 5, 10), { kind: 'replay', after: 4 });
  });

  test('an id older than the window is expired, never silently skipped', () => {
    assert.deepEqual(planResume(3, 5, 10), { kind: 'expired', after: 3, oldest: 5 });
    assert.deepEqual(planResume(3, null, 10), { kind: 'expired', after: 3, oldest: null });
  });

  test('the newest position has nothing to replay, even when nothing is kept', () => {
    assert.deepEqual(planResume(10, null, 10), { kind: 'replay', after: 10 });
  });

  test('an id past the newest position is not ours: the client is told rather than waiting for positions that mean something else', () => {
    assert.deepEqual(planResume(99, 5, 10), { kind: 'unknown', after: 99 });
  });
});
