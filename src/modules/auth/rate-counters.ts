import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';

/**
 * Reserves one hit atomically on a pair of counters (a subject — an email —
 * and a client address): refuses when either is at its maximum, otherwise
 * counts the hit up front (so a burst of parallel requests cannot all pass
 * the check before any is counted). A counter's window starts at its first
 * hit and restarts when it reaches its maximum, so a block lasts the whole
 * window.
 *
 * KEYS: subject counter, address counter. ARGV: subject max, address max, window ms.
 * Returns {1, subjectCount, addressCount} or {0, retryAfterMs}.
 */
const RESERVE = `
local subject = tonumber(redis.call('GET', KEYS[1]) or '0')
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
local maxSubject, maxAddress, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if subject >= maxSubject or address >= maxAddress then
  local wait = 0
  if subject >= maxSubject then wait = math.max(wait, redis.call('PTTL', KEYS[1])) end
  if address >= maxAddress then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
  if wait <= 0 then wait = window end
  return {0, wait}
end
subject = redis.call('INCR', KEYS[1])
if subject == 1 or subject == maxSubject then redis.call('PEXPIRE', KEYS[1], window) end
address = redis.call('INCR', KEYS[2])
if address == 1 or address == maxAddress then redis.call('PEXPIRE', KEYS[2], window) end
return {1, subject, address}
`;

/** Forgives a hit: the subject's counter starts over; the address gets back the hit reserved for it. */
const FORGIVE = `
redis.call('DEL', KEYS[1])
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if address > 0 then redis.call('DECR', KEYS[2]) end
return 1
`;

export interface RateLimits {
  maxPerSubject: number;
  maxPerAddress: number;
  windowSeconds: number;
}

export interface RateReservation {
  subjectKey: string;
  addressKey: string;
  /** The subject's count including this hit. */
  subjectCount: number;
}

export type ReserveResult = ({ allowed: true } & RateReservation) | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window counters in Redis, shared by every node, for the flows that
 * must be limited per subject (a normalised email, registered or not, so the
 * answers reveal nothing about which exist) and per client address: failed
 * password and second-factor checks (LoginThrottle) and requests that send
 * email (EmailRequestThrottle). One client, one pair of Lua scripts.
 *
 * When Redis cannot be reached, reserve fails closed (503): a limit is not
 * silently switched off.
 */
@Injectable()
export class RateCounters implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateCounters');
  private client?: Redis;

  constructor(private readonly redis: RedisConnection) {}

  async onModuleInit(): Promise<void> {
    this.client = createRedisClient(this.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 });
    this.client.on('error', (error) => this.logger.warn(`rate counters: ${error.message}`));
    this.client.defineCommand('basaltRateReserve', { numberOfKeys: 2, lua: RESERVE });
    this.client.defineCommand('basaltRateForgive', { numberOfKeys: 2, lua: FORGIVE });
    await this.client.connect();
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }

  /** `<prefix>:<scope>:<kind>:<value>`; a subject (an email) is hashed, since Redis keys should not hold addresses. */
  key(scope: string, kind: 'account' | 'ip', value: string): string {
    const part = kind === 'account' ? createHash('sha256').update(value).digest('hex').slice(0, 40) : value;
    return `${this.redis.prefix}:${scope}:${kind}:${part}`;
  }

  /** Counts a hit, or says how long to wait; throws 503 when Redis does not answer. */
  async reserve(subjectKey: string, addressKey: string, limits: RateLimits, unavailable: string): Promise<ReserveResult> {
    let result: number[];
    try {
      result = await this.run('basaltRateReserve', subjectKey, addressKey, limits.maxPerSubject, limits.maxPerAddress, limits.windowSeconds * 1000);
    } catch (error) {
      this.logger.error(`rate counters unavailable: ${(error as Error).message}`);
      throw new DomainError(ErrorCode.ServiceUnavailable, 503, 'Service unavailable', unavailable);
    }
    if (result[0] === 0) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Number(result[1]) / 1000)) };
    return { allowed: true, subjectKey, addressKey, subjectCount: Number(result[1]) };
  }

  async forgive(reservation: Pick<RateReservation, 'subjectKey' | 'addressKey'>): Promise<void> {
    await this.run('basaltRateForgive', reservation.subjectKey, reservation.addressKey).catch((error: Error) =>
      this.logger.warn(`could not reset a rate counter: ${error.message}`),
    );
  }

  private run(command: string, ...args: (string | number)[]): Promise<number[]> {
    const client = this.client as unknown as Record<string, (...a: (string | number)[]) => Promise<number[]>>;
    return client[command](...args);
  }
}
