import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { createValidationPipe } from './common/errors/validation';
import { DatabaseModule } from './infra/database/database.module';
import { LoggingModule } from './infra/logging/logging.module';
import { QueueModule } from './infra/queue/queue.module';
import { RedisConnection } from './infra/queue/redis-connection';
import { RedisModule } from './infra/queue/redis.module';
import { AlertsModule } from './modules/alerts/alerts.module';
import { ApiKeysModule } from './modules/api-keys/api-keys.module';
import { AuthModule } from './modules/auth/auth.module';
import { CollectionsModule } from './modules/collections/collections.module';
import { HealthModule } from './modules/health/health.module';
import { JobsModule } from './modules/jobs/jobs.module';
import { MailModule } from './modules/mail/mail.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { ProtectionModule } from './modules/protection/protection.module';
import { OpenApiModule } from './modules/openapi/openapi.module';
import { RateLimitsModule } from './modules/rate-limits/rate-limits.module';
import { RealtimeModule } from './modules/realtime/realtime.module';
import { RecordsModule } from './modules/records/records.module';
import { GdprModule } from './modules/users/gdpr/gdpr.module';
import { UsersModule } from './modules/users/users.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';

/** What every Basalt process holds: configuration, logs, the database, the queues and their processors (mail). */
export function infrastructure(config: AppConfig, redis: RedisConnection, processing: boolean): DynamicModule[] {
  return [ConfigModule.forRoot(config), RedisModule.forRoot(redis), LoggingModule.forRoot(), DatabaseModule.forRoot(), QueueModule.forRoot({ processing }), MailModule.forRoot({ processing })];
}

/** The HTTP API. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, redis: RedisConnection): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...infrastructure(config, redis, config.queue.processing),
        HealthModule,
        UsersModule,
        AuthModule,
        RateLimitsModule,
        ProtectionModule,
        ApiKeysModule,
        GdprModule,
        CollectionsModule,
        OpenApiModule,
        RecordsModule,
        MetricsModule,
        RealtimeModule,
        AlertsModule,
        JobsModule.forApi({ processing: config.queue.processing }),
        WebhooksModule.forRoot({ processing: config.queue.processing }),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
