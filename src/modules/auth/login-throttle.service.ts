import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from 'src/config/app-config';
import { DomainError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { normaliseEmail } from 'src/modules/users/users.service';
import { ACCOUNT_LOCK_LISTENER, type AccountLockListener } from './account-lock.listener';

/**
 * Reserves one attempt atomically: refuses when the account or the address is
 * locked, otherwise counts the attempt as a failure up front (so a burst of
 * parallel guesses cannot all pass the check before any is counted). A
 * counter's window starts at its first failure and restarts when it reaches
 * its threshold, so a lock lasts the whole lock time.
 *
 * KEYS: account counter, address counter. ARGV: account max, address max, window ms.
 * Returns {1, accountCount, addressCount} or {0, retryAfterMs}.
 */
const BEGIN = `
local account = tonumber(redis.call('GET', KEYS[1]) or '0')
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
local maxAccount, maxAddress, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if account >= maxAccount or address >= maxAddress then
  local wait = 0
  if account >= maxAccount then wait = math.max(wait, redis.call('PTTL', KEYS[1])) end
  if address >= maxAddress then wait = math.max(wait, redis.call('PTTL', KEYS[2])) end
  if wait <= 0 then wait = window end
  return {0, wait}
end
account = redis.call('INCR', KEYS[1])
if account == 1 or account == maxAccount then redis.call('PEXPIRE', KEYS[1], window) end
address = redis.call('INCR', KEYS[2])
if address == 1 or address == maxAddress then redis.call('PEXPIRE', KEYS[2], window) end
return {1, account, address}
`;

/** A success: the account's counter starts over; the address gets back the attempt reserved for it. */
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
local address = tonumber(redis.call('GET', KEYS[2]) or '0')
if address > 0 then redis.call('DECR', KEYS[2]) end
return 1
`;

export interface LoginAttempt {
  email: string;
  ip: string;
  accountKey: string;
  addressKey: string;
  /** The account's failure count including this attempt. */
  accountFailures: number;
}

/** 429 with Retry-After; one wording for every case, so it tells nothing about the account. */
export class TooManyLoginAttemptsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      ErrorCode.TooManyLoginAttempts,
      429,
      'Too many requests',
      `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
    );
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/**
 * Brute-force protection for password checks (login, password change),
 * counted in Redis so every node shares the counts: per account (the
 * normalised email, whether or not it is registered, so the answers do not
 * reveal which emails exist) and per client address. Over either threshold
 * every attempt answers 429 without checking the password. A success resets
 * the account's count (not the address's: one valid account must not launder
 * an address's failures).
 *
 * When Redis cannot be reached the check fails closed (503): brute-force
 * protection is not silently switched off.
 */
@Injectable()
export class LoginThrottle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('LoginThrottle');
  private client?: Redis;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnection,
    @Optional() @Inject(ACCOUNT_LOCK_LISTENER) private readonly listener?: AccountLockListener,
  ) {}

  async onModuleInit(): Promise<void> {
    this.client = createRedisClient(this.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 });
    this.client.on('error', (error) => this.logger.warn(`login throttle: ${error.message}`));
    this.client.defineCommand('basaltLoginBegin', { numberOfKeys: 2, lua: BEGIN });
    this.client.defineCommand('basaltLoginSucceeded', { numberOfKeys: 2, lua: SUCCEEDED });
    await this.client.connect();
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }

  /** Reserves an attempt, or throws 429 (locked) or 503 (Redis unreachable). */
  async begin(email: string, ip: string | undefined): Promise<LoginAttempt> {
    const normalised = normaliseEmail(email);
    const address = ip || 'unknown';
    const attempt = { email: normalised, ip: address, accountKey: this.accountKey(normalised), addressKey: `${this.redis.prefix}:login:ip:${address}` };
    const { maxFailuresPerAccount, maxFailuresPerIp, lockSeconds } = this.config.login;
    let result: number[];
    try {
      result = await this.run('basaltLoginBegin', attempt.accountKey, attempt.addressKey, maxFailuresPerAccount, maxFailuresPerIp, lockSeconds * 1000);
    } catch (error) {
      this.logger.error(`login throttle unavailable: ${(error as Error).message}`);
      throw new DomainError(ErrorCode.ServiceUnavailable, 503, 'Service unavailable', 'Signing in is unavailable for a moment; try again shortly.');
    }
    if (result[0] === 0) throw new TooManyLoginAttemptsError(Math.max(1, Math.ceil(Number(result[1]) / 1000)));
    return { ...attempt, accountFailures: Number(result[1]) };
  }

  /** The attempt failed (it is already counted); tells the listener when it locked the account. */
  failed(attempt: LoginAttempt, userId: string | null): void {
    const { maxFailuresPerAccount, lockSeconds } = this.config.login;
    if (attempt.accountFailures !== maxFailuresPerAccount || !this.listener) return;
    const event = { email: attempt.email, userId, failures: maxFailuresPerAccount, lockedUntil: new Date(Date.now() + lockSeconds * 1000), ip: attempt.ip };
    setImmediate(() => {
      Promise.resolve()
        .then(() => this.listener!.accountLocked(event))
        .catch((error: Error) => this.logger.error({ err: error }, 'the account-lock listener failed'));
    });
  }

  /** The password was right: the account's count starts over. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.run('basaltLoginSucceeded', attempt.accountKey, attempt.addressKey).catch((error: Error) =>
      this.logger.warn(`could not reset the failure count: ${error.message}`),
    );
  }

  private accountKey(normalisedEmail: string): string {
    // Hashed: Redis keys should not hold email addresses.
    return `${this.redis.prefix}:login:account:${createHash('sha256').update(normalisedEmail).digest('hex').slice(0, 40)}`;
  }

  private run(command: string, ...args: (string | number)[]): Promise<number[]> {
    const client = this.client as unknown as Record<string, (...a: (string | number)[]) => Promise<number[]>>;
    return client[command](...args);
  }
}
