import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { RedisConnection } from './redis-connection';

/**
 * The Redis connections every Bull queue of this process shares (one for
 * commands, one subscriber; blocking connections stay per queue). Closed at
 * shutdown after the queues, so no socket keeps the process alive.
 */
@Injectable()
export class BullClients implements OnApplicationShutdown {
  private readonly shared: Partial<Record<'client' | 'subscriber', Redis>> = {};

  constructor(private readonly redis: RedisConnection) {}

  create(type: 'client' | 'subscriber' | 'bclient'): Redis {
    // Bull requires these for its subscriber and blocking connections.
    const options = { maxRetriesPerRequest: null, enableReadyCheck: false };
    if (type === 'bclient') return createRedisClient(this.redis.url, options);
    this.shared[type] ??= createRedisClient(this.redis.url, options);
    return this.shared[type]!;
  }

  onApplicationShutdown(): void {
    for (const client of Object.values(this.shared)) client?.disconnect();
  }
}
