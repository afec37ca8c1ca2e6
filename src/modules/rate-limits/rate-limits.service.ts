import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from 'src/config/app-config';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { LeaseBook, type RateDecision } from './lease-book';
import type { RateLimitBucket } from './rate-limit-policy';

/**
 * Reserves up to ARGV[2] requests of a fixed window (ARGV[1] ms, started by
 * its first reservation) whose limit is ARGV[3]. Only what is granted is
 * added, so the count never passes the limit and a refusal spends nothing.
 */
const LEASE = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[2]), tonumber(ARGV[3]) - count)
if grant > 0 then count = redis.call('INCRBY', KEYS[1], grant) else grant = 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  if count > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return {grant, count, ttl}
`;

const WARN_EVERY_MS = 60_000;
const SWEEP_EVERY_MS = 10_000;

/** The shared request counters. When Redis does not answer, requests pass (limits fail open) and that is logged. */
@Injectable()
export class RateLimitsService implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly redis: Redis & { rateLimitLease(key: string, windowMs: number, want: number, limit: number): Promise<[number, number, number]> };
  private readonly leases: LeaseBook;
  private readonly sweeper: NodeJS.Timeout;
  private lastWarning = 0;

  constructor(
    private readonly connection: RedisConnection,
    config: AppConfig,
  ) {
    // Auto-pipelining batches the leases of concurrent callers into one write; no offline queue, so an outage costs no waiting.
    const client = createRedisClient(connection.url, { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 500 });
    client.on('error', (error: Error) => this.warn(error.message));
    client.defineCommand('rateLimitLease', { numberOfKeys: 1, lua: LEASE });
    this.redis = client as typeof this.redis;
    const windowMs = config.rateLimits.windowMs;
    this.leases = new LeaseBook(async (key, want, limit) => {
      const [granted, count, resetMs] = await this.redis.rateLimitLease(key, windowMs, want, limit);
      return { granted, count, resetMs };
    });
    this.sweeper = setInterval(() => this.leases.sweep(), Math.min(windowMs, SWEEP_EVERY_MS)).unref();
  }

  async take(bucket: RateLimitBucket): Promise<RateDecision | undefined> {
    try {
      return await this.leases.take(`${this.connection.prefix}:rl:${bucket.group}:${bucket.subject}`, bucket.limit);
    } catch (error) {
      this.warn((error as Error).message);
      return undefined;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.redis.disconnect();
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = Date.now();
    this.logger.warn(`rate limits not enforced while Redis does not answer: ${message}`);
  }
}
