import { createHash, randomBytes } from 'node:crypto';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import type { LoginAttempt } from 'src/modules/auth/login-throttle.service';

export const MFA_CHALLENGE_TTL_SECONDS = 300;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A first factor passed (a password, or an OpenID provider); the second is still to come. Never leaves the server. */
export interface MfaChallenge {
  userId: string;
  email: string;
  /** The password step's throttle reservation, released only when the second factor passes; absent after an OpenID sign-in. */
  passwordAttempt?: LoginAttempt;
}

/**
 * Pending second steps in Redis under the SHA-256 of their token (the token
 * itself is never stored), for five minutes. A token is consumed by the
 * sign-in it completes (DEL decides the winner of a race), so it works once,
 * on any node.
 */
@Injectable()
export class MfaChallengeStore implements OnApplicationShutdown {
  private client?: Redis;

  constructor(private readonly redis: RedisConnection) {}

  async issue(challenge: MfaChallenge): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redisClient().set(this.key(token), JSON.stringify(challenge), 'EX', MFA_CHALLENGE_TTL_SECONDS);
    return token;
  }

  async peek(token: string): Promise<MfaChallenge | undefined> {
    if (!TOKEN_FORMAT.test(token)) return undefined;
    const raw = await this.redisClient().get(this.key(token));
    return raw ? (JSON.parse(raw) as MfaChallenge) : undefined;
  }

  /** True for the one caller that removed it. */
  async consume(token: string): Promise<boolean> {
    return (await this.redisClient().del(this.key(token))) === 1;
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }

  private key(token: string): string {
    return `${this.redis.prefix}:mfa:challenge:${createHash('sha256').update(token).digest('hex')}`;
  }

  private redisClient(): Redis {
    if (!this.client) {
      this.client = createRedisClient(this.redis.url, { maxRetriesPerRequest: 1 });
      this.client.on('error', () => undefined);
    }
    return this.client;
  }
}
