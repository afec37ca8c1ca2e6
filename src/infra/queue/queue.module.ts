import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule } from '@nestjs/common';
import { DEFAULT_JOB_OPTIONS, QUEUE_NAMES } from './queue-names';
import { BullClients } from './bull-clients';
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
          inject: [RedisConnection, BullClients],
          useFactory: (redis: RedisConnection, clients: BullClients) => ({
            prefix: `${redis.prefix}:bull`,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
            createClient: (type) => clients.create(type),
          }),
        }),
        BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
      ],
      providers: options.processing ? [SystemProcessor] : [],
      exports: [BullModule],
    };
  }
}
