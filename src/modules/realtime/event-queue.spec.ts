import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventQueue } from './event-queue';

describe('EventQueue', () => {
  test('hands items out in order, waiting when empty', async () => {
    const queue = new EventQueue<number>(3);
    const first = queue.next();
    assert.equal(queue.push(1), true);
    assert.equal(await first, 1);
    queue.push(2);
    queue.push(3);
    assert.equal(await queue.next(), 2);
    assert.equal(await queue.next(), 3);
  });

  test('refuses past its capacity and keeps what it had', async () => {
    const queue = new EventQueue<number>(2);
    assert.equal(queue.push(1), true);
    assert.equal(queue.push(2), true);
    assert.equal(queue.push(3), false);
    assert.equal(queue.size, 2);
    assert.equal(await queue.next(), 1);
    assert.equal(queue.push(4), true);
    assert.equal(await queue.next(), 2);
    assert.equal(await queue.next(), 4);
  });

  test('a waiting consumer does not count against the capacity', async () => {
    const queue = new EventQueue<number>(1);
    const waiting = queue.next();
    assert.equal(queue.push(1), true);
    assert.equal(queue.push(2), true);
    assert.equal(await waiting, 1);
    assert.equal(queue.push(3), false);
  });

  test('closing wakes a waiting consumer with undefined and drops what was queued', async () => {
    const queue = new EventQueue<number>(5);
    const waiting = queue.next();
    queue.close();
    assert.equal(await waiting, undefined);
    queue.push(1);
    assert.equal(await queue.next(), undefined);
  });
});
