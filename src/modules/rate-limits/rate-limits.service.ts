import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import type { RateLimitBucket } from './rate-limit-policy';

/**
 * Counts one request in the bucket's window and answers the count and the
 * window's remaining ms. A fixed window per bucket, started by its first
 * request; the counter lives in Redis so every node spends the same budget.
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

export interface Hit {
  count: number;
  resetMs: number;
}

const WARN_EVERY_MS = 60_000;

/** The shared request counters. When Redis does not answer, requests pass (limits fail open) and that is logged. */
@Injectable()
export class RateLimitsService implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: Redis & { rateLimitHit(key: string, windowMs: number): Promise<[number, number]> };
  private lastWarning = 0;

  constructor(private readonly connection: RedisConnection) {
    // Auto-pipelining batches the hits of concurrent requests into one write; no offline queue, so an outage costs no waiting.
    const client = createRedisClient(connection.url, { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500 });
    client.on('error', (error: Error) => this.warn(error.message));
    client.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
    this.redis = client as typeof this.redis;
  }

  async hit(bucket: RateLimitBucket, windowMs: number): Promise<Hit | undefined> {
    try {
      const [count, ttl] = await this.redis.rateLimitHit(`${this.connection.prefix}:rl:${bucket.group}:${bucket.subject}`, windowMs);
      return { count, resetMs: ttl };
    } catch (error) {
      this.warn((error as Error).message);
      return undefined;
    }
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.logger.warn(`rate limits not enforced while Redis does not answer: ${message}`);
  }
}
