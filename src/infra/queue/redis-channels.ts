import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { RedisConnection } from './redis-connection';

interface Subscription {
  onMessage: (message: string) => void;
  onReconnect?: () => void;
}

/**
 * Pub/sub between nodes over one subscriber and one publisher connection per
 * process, shared by every feature that tells the other nodes about a change
 * (schema, permissions, session and API-key revocations).
 */
@Injectable()
export class RedisChannels implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RedisChannels');
  private readonly subscriptions = new Map<string, Subscription[]>();
  private subscriber?: Redis;
  private publisher?: Redis;
  private connectedOnce = false;

  constructor(private readonly redis: RedisConnection) {}

  /** The full channel name of a feature's channel. */
  channel(name: string): string {
    return `${this.redis.prefix}:${name}`;
  }

  /**
   * Delivers every message of the channel to `onMessage`. Messages sent while
   * the connection was down are lost, so `onReconnect` runs each time it comes
   * back: the place to re-read what may have been missed.
   */
  async subscribe(name: string, onMessage: Subscription['onMessage'], onReconnect?: Subscription['onReconnect']): Promise<void> {
    const channel = this.channel(name);
    const subscriber = this.connectSubscriber();
    const list = this.subscriptions.get(channel) ?? [];
    list.push({ onMessage, onReconnect });
    this.subscriptions.set(channel, list);
    if (list.length === 1) await subscriber.subscribe(channel);
  }

  async onModuleInit(): Promise<void> {
    // No offline queue: while Redis is away a publish fails at once instead of piling up.
    this.publisher = createRedisClient(this.redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 3000 });
    this.publisher.on('error', (error) => this.logger.warn(`publisher: ${error.message}`));
    await this.publisher.connect();
  }

  /** Rejects when Redis does not answer; callers decide what that means for them. */
  async publish(name: string, message: string): Promise<void> {
    await this.publisher!.publish(this.channel(name), message);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  private connectSubscriber(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = createRedisClient(this.redis.url, { maxRetriesPerRequest: null });
    subscriber.on('error', (error) => this.logger.warn(`subscriber: ${error.message}`));
    subscriber.on('message', (channel: string, message: string) => {
      for (const subscription of this.subscriptions.get(channel) ?? []) subscription.onMessage(message);
    });
    subscriber.on('ready', () => {
      if (this.connectedOnce) for (const list of this.subscriptions.values()) for (const subscription of list) subscription.onReconnect?.();
      this.connectedOnce = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
