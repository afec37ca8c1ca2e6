import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisConnection } from 'src/infra/queue/redis-connection';
import { createRedisClient } from 'src/infra/redis/redis-runtime';

/** How long a started sign-in may take before its state is forgotten, seconds. */
export const OIDC_STATE_TTL_SECONDS = 600;
/** What openid-client's randomState() produces (43 base64url characters), with room for others. */
const STATE_FORMAT = /^[A-Za-z0-9_-]{16,128}$/;

/** What the callback needs to finish a flow; never leaves the server. */
export interface PendingSignIn {
  provider: string;
  codeVerifier: string;
  nonce: string;
  /** SHA-256 of the browser-binding cookie set when the flow started. */
  bindingHash: string;
  /** The app URL to send the tokens to, already checked against the provider's appRedirectUri. */
  appRedirect?: string;
}

/**
 * Pending sign-ins in Redis, keyed by `state`, with a short TTL. Taking one
 * deletes it in the same command (GETDEL), so a state works once, on any
 * node, even when two callbacks race.
 */
@Injectable()
export class OidcStateStore implements OnApplicationShutdown {
  private client?: Redis;

  constructor(private readonly redis: RedisConnection) {}

  static isWellFormed(state: unknown): state is string {
    return typeof state === 'string' && STATE_FORMAT.test(state);
  }

  async put(state: string, pending: PendingSignIn): Promise<void> {
    await this.redisClient().set(this.key(state), JSON.stringify(pending), 'EX', OIDC_STATE_TTL_SECONDS);
  }

  /** The pending sign-in for this state, removed so it cannot be used again; undefined when unknown, expired or used. */
  async take(state: string): Promise<PendingSignIn | undefined> {
    if (!OidcStateStore.isWellFormed(state)) return undefined;
    const raw = await this.redisClient().getdel(this.key(state));
    return raw ? (JSON.parse(raw) as PendingSignIn) : undefined;
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }

  private key(state: string): string {
    return `${this.redis.prefix}:oidc:state:${state}`;
  }

  private redisClient(): Redis {
    if (!this.client) {
      this.client = createRedisClient(this.redis.url, { maxRetriesPerRequest: 1 });
      this.client.on('error', () => undefined);
    }
    return this.client;
  }
}
