import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeavyGate } from './heavy-gate';
import { OverloadedError } from './protection.errors';

describe('heavy gate', () => {
  test('hands out up to its capacity at once; without a queue wait, the next is refused with Retry-After', async () => {
    const gate = new HeavyGate(2, 0);
    const first = await gate.acquire();
    await gate.acquire();
    assert.equal(gate.inFlight, 2);
    const refusal = await gate.acquire().then(
      () => assert.fail('a third slot was handed out'),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof OverloadedError);
    assert.equal(refusal.status, 503);
    assert.equal(refusal.code, 'overloaded');
    assert.equal(refusal.headers?.['retry-after'], '1');
    assert.equal(gate.rejected, 1);
    first();
    first();
    assert.equal(gate.inFlight, 1, 'a slot given back twice counts once');
    await gate.acquire();
    assert.equal(gate.inFlight, 2);
  });

  test('a waiter gets the first slot given back, in arrival order', async () => {
    const gate = new HeavyGate(1, 10_000);
    const held = await gate.acquire();
    const order: string[] = [];
    const a = gate.acquire().then((release) => (order.push('a'), release));
    const b = gate.acquire().then((release) => (order.push('b'), release));
    assert.equal(gate.queued, 2);
    held();
    (await a)();
    (await b)();
    assert.deepEqual(order, ['a', 'b']);
    assert.equal(gate.inFlight, 0);
    assert.equal(gate.queued, 0);
    assert.equal(gate.rejected, 0);
  });

  test('a waiter gives up after the queue wait, leaves the queue, and the slot still returns', async () => {
    const gate = new HeavyGate(1, 30);
    const held = await gate.acquire();
    const started = Date.now();
    await assert.rejects(gate.acquire(), OverloadedError);
    assert.ok(Date.now() - started >= 25, 'it waited before giving up');
    assert.equal(gate.queued, 0);
    assert.equal(gate.rejected, 1);
    held();
    assert.equal(gate.inFlight, 0);
    const again = await gate.acquire();
    again();
  });

  test('Retry-After rounds the queue wait up to whole seconds', async () => {
    const gate = new HeavyGate(1, 2500);
    const held = await gate.acquire();
    const error = await gate.acquire().catch((e: OverloadedError) => e);
    assert.equal((error as OverloadedError).headers?.['retry-after'], '3');
    held();
  });
});
