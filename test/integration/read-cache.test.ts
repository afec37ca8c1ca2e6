import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import type { AppConfig } from 'src/config/app-config';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { ReadCache } from 'src/modules/read-cache/read-cache.service';
import { freePort } from '../support/basalt';

const REDIS_URL = process.env.BASALT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const answer = { etag: '"abc"', body: '{"data":[],"meta":{"limit":20,"offset":0}}' };

function config(maxEntryBytes = 1024): AppConfig {
  return { cache: { enabled: true, ttlMs: 60_000, maxEntryBytes } } as AppConfig;
}

/** Polls: a store is fire-and-forget. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(what);
}

/** The client connects in the background and queues nothing meanwhile (lookups fail open): wait until it answers. */
async function connected(cache: ReadCache): Promise<void> {
  await eventually(async () => (await cache.lookup(['warm-up'], 'warm-up')) !== undefined, 'Redis answers');
}

/** ReadCache against a real Redis: the Lua scripts, generations, credits and failing open. */
describe('ReadCache', () => {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const cache = new ReadCache(config(), new RedisConnection(REDIS_URL, prefix));
  const redis = new Redis(REDIS_URL);

  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    cache.onApplicationShutdown();
    redis.disconnect();
  });

  before(() => connected(cache));

  const hitAfterStore = async (collections: string[], key: string) => {
    const miss = await cache.lookup(collections, key);
    assert.ok(miss && !miss.entry);
    cache.store(key, miss.stamp, answer);
    await eventually(async () => (await cache.lookup(collections, key))?.entry !== undefined, 'the stored answer is found');
    return miss.stamp;
  };

  test('an answer stored under the generations read is found until one of them moves', async () => {
    const stamp = await hitAfterStore(['a', 'b'], 'k1');
    assert.deepEqual((await cache.lookup(['a', 'b'], 'k1'))?.entry, answer);
    await cache.bumpWritten(['b']);
    const after = await cache.lookup(['a', 'b'], 'k1');
    assert.equal(after?.entry, undefined);
    assert.notEqual(after?.stamp, stamp);
    assert.equal(after?.stamp.split('.')[0], stamp.split('.')[0], 'a stays where it was');
  });

  test('a generation lost from Redis restarts at the clock, never at a value an old entry is stored under', async () => {
    const stamp = await hitAfterStore(['c'], 'k2');
    await redis.del(`${prefix}:cache:g:c`);
    const after = await cache.lookup(['c'], 'k2');
    assert.equal(after?.entry, undefined);
    assert.ok(BigInt(after!.stamp) > BigInt(stamp), `${after!.stamp} > ${stamp}`);
  });

  test('the relay bumps only what no writer of this node bumped for', async () => {
    await cache.bumpWritten(['d']);
    const stamp = await hitAfterStore(['d', 'e'], 'k3');
    await cache.bumpRelayed(['d']);
    assert.equal((await cache.lookup(['d', 'e'], 'k3'))?.stamp, stamp, 'the writer already bumped d for this event');
    await cache.bumpRelayed(['d', 'e']);
    const after = await cache.lookup(['d', 'e'], 'k3');
    assert.equal(after?.entry, undefined);
    const [d, e] = after!.stamp.split('.');
    assert.notEqual(d, stamp.split('.')[0], 'an event of d with no credit left is bumped');
    assert.notEqual(e, stamp.split('.')[1]);
  });

  test('an answer larger than the limit is not kept', async () => {
    const small = new ReadCache(config(1024), new RedisConnection(REDIS_URL, prefix));
    try {
      await connected(small);
      const found = await small.lookup(['f'], 'k4');
      small.store('k4', found!.stamp, { etag: '"x"', body: 'x'.repeat(2000) });
      small.store('k5', found!.stamp, answer);
      await eventually(async () => (await small.lookup(['f'], 'k5'))?.entry !== undefined, 'the small answer is stored');
      assert.equal((await small.lookup(['f'], 'k4'))?.entry, undefined);
    } finally {
      small.onApplicationShutdown();
    }
  });

  test('Redis not answering: lookups say so at once (the database answers) and bumps reject', async () => {
    const port = await freePort();
    const down = new ReadCache(config(), new RedisConnection(`redis://127.0.0.1:${port}`, prefix));
    try {
      const started = Date.now();
      assert.equal(await down.lookup(['a'], 'k1'), undefined);
      assert.ok(Date.now() - started < 1000, 'no waiting for a Redis that is not there');
      await assert.rejects(down.bumpWritten(['a']));
    } finally {
      down.onApplicationShutdown();
    }
  });
});
