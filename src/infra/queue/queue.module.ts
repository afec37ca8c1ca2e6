import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import type Redis from 'ioredis';
import { createRedisClient } from 'src/infra/redis/redis-runtime';
import { DEFAULT_JOB_OPTIONS, QUEUE_NAMES } from './queue-names';
import { RedisConnection } from './redis-connection';
import { SystemProcessor } from './system.processor';

/**
 * Bull over the resolved Redis. Queue clients share one command connection and
 * one subscriber per process (Bull's createClient); blocking clients are per
 * queue. Processors are registered only when this process processes jobs.
 */
@Module({})
export class QueueModule {
  static forRoot(options: { processing: boolean }): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [RedisConnection],
          useFactory: (redis: RedisConnection) => {
            const shared: Partial<Record<'client' | 'subscriber', Redis>> = {};
            return {
              prefix: `${redis.prefix}:bull`,
              defaultJobOptions: DEFAULT_JOB_OPTIONS,
              createClient: (type) => {
                // Bull requires these for its subscriber and blocking connections.
                const options = { maxRetriesPerRequest: null, enableReadyCheck: false };
                if (type === 'bclient') return createRedisClient(redis.url, options);
                shared[type] ??= createRedisClient(redis.url, options);
                return shared[type]!;
              },
            };
          },
        }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: options.processing ? [SystemProcessor] : [],
      exports: [BullModule],
    };
  }
}
