import { Module, type DynamicModule } from '@nestjs/common';
import { infrastructure } from './app.module';
import type { AppConfig } from './config/app-config';
import type { RedisConnection } from './infra/queue/redis-connection';
import { JobsModule } from './modules/jobs/jobs.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

/** The worker-only process: every queue's processors (mail, maintenance, webhooks), no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, redis: RedisConnection): DynamicModule {
    return { module: WorkerModule, imports: [...infrastructure(config, redis, true), JobsModule.forWorker({ processing: true }), WebhooksModule.forRoot({ processing: true })] };
  }
}
