import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { AppConfig } from 'src/config/app-config';
import { validateEnvironment } from 'src/config/env.schema';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { LoginThrottle, TooManyLoginAttemptsError } from 'src/modules/auth/login-throttle.service';
import { RateCounters } from 'src/modules/auth/rate-counters';
import type { AccountLockEvent } from 'src/modules/auth/account-lock.listener';

const REDIS_URL = process.env.BASALT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('LoginThrottle on a real Redis', () => {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const events: AccountLockEvent[] = [];
  let throttle: LoginThrottle;
  let counters: RateCounters;
  let redis: Redis;

  before(async () => {
    const config = new AppConfig(validateEnvironment({ BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', BASALT_LOGIN_MAX_FAILURES_PER_IP: '100', BASALT_LOGIN_LOCK_SECONDS: '30' }));
    counters = new RateCounters(new RedisConnection(REDIS_URL, prefix));
    await counters.onModuleInit();
    throttle = new LoginThrottle(config, counters, { accountLocked: (event) => void events.push(event) });
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    counters?.onApplicationShutdown();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis?.disconnect();
  });

  test('the lock listener hears each lock once, with the account and the lock end; no email is stored in Redis', async () => {
    const email = `Owner-${prefix}@Example.com`;
    for (let i = 0; i < 3; i++) throttle.failed(await throttle.begin(email, '10.0.0.1'), 'user-1');
    await assert.rejects(throttle.begin(email, '10.0.0.2'), (error: unknown) => error instanceof TooManyLoginAttemptsError && error.headers?.['retry-after'] === String(error.retryAfterSeconds));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(events.length, 1);
    assert.equal(events[0].email, email.toLowerCase());
    assert.equal(events[0].userId, 'user-1');
    assert.equal(events[0].failures, 3);
    assert.ok(events[0].lockedUntil.getTime() > Date.now() + 25_000);
    const keys = await redis.keys(`${prefix}:*`);
    assert.ok(keys.length >= 2);
    assert.ok(keys.every((key) => !key.toLowerCase().includes('example.com')), keys.join(', '));
  });

  test('a success refunds the address and resets the account', async () => {
    const email = `fine-${prefix}@example.com`;
    throttle.failed(await throttle.begin(email, '10.0.0.9'), null);
    const attempt = await throttle.begin(email, '10.0.0.9');
    await throttle.succeeded(attempt);
    assert.equal(await redis.get(attempt.accountKey), null);
    assert.equal(await redis.get(attempt.addressKey), '1', 'only the failure stays counted');
  });
});
