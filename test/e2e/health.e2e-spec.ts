import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { ScratchRedis } from '../support/redis-server';

async function ready(basalt: BasaltProcess) {
  const response = await fetch(`${basalt.url}/health/ready`);
  return { status: response.status, body: (await response.json()) as any };
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!accept(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

describe('health', () => {
  let env: TestEnvironment;
  let redis: ScratchRedis;
  let basalt: BasaltProcess;

  before(async () => {
    redis = await ScratchRedis.start();
    env = await createTestEnvironment({ BASALT_HEALTH_TIMEOUT_MS: '3000' });
    basalt = await startBasalt({ env: { ...env.env, REDIS_URL: redis.url } });
  });

  after(async () => {
    await basalt?.stop();
    await redis?.stop();
    await env?.cleanup();
  });

  test('live answers in Terminus format without checking dependencies', async () => {
    const response = await fetch(`${basalt.url}/health/live`);
    assert.equal(response.status, 200);
    const body: any = await response.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.info.process.status, 'up');
  });

  test('ready checks database, Redis, a real queue round trip, disk and memory', async () => {
    // A busy CI machine can starve one round trip; readiness must settle green.
    const { status, body } = await eventually(() => ready(basalt), (r) => r.status === 200);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.deepEqual(Object.keys(body.details).sort(), ['database', 'disk', 'memory_heap', 'queue', 'redis']);
    assert.equal(body.details.queue.processing, true);
    assert.equal(typeof body.details.queue.roundTripMs, 'number');
  });

  test('ready turns 503 while Redis is down, live stays 200, and ready recovers when Redis is back', async () => {
    await redis.stop();
    const down = await eventually(() => ready(basalt), (r) => r.status === 503);
    assert.equal(down.status, 503);
    assert.equal(down.body.status, 'error');
    assert.equal(down.body.details.redis.status, 'down');
    assert.equal(down.body.details.database.status, 'up');
    assert.equal((await fetch(`${basalt.url}/health/live`)).status, 200);

    await redis.resume();
    const up = await eventually(() => ready(basalt), (r) => r.status === 200, 30_000);
    assert.equal(up.status, 200, JSON.stringify(up.body));
  });
});
