import { BullModule } from '@nestjs/bull';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WEBHOOK_BACKOFF, QueueName } from 'src/infra/queue/queue-names';
import { CollectionsModule } from 'src/modules/collections/collections.module';
import { RecordsModule } from 'src/modules/records/records.module';
import { UsersModule } from 'src/modules/users/users.module';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEventsProcessor } from './webhook-events.processor';
import { WebhookFanoutService } from './webhook-fanout.service';
import { WebhookRecordView } from './webhook-record-view';
import { webhookRetryDelay } from './webhook-retry';
import { WebhookSenderService } from './webhook-sender.service';
import { WebhookSweeper } from './webhook-sweeper';
import { Webhook } from './webhook.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks. Every process serves the routes and can enqueue replays; the
 * processors (fan-out of the `events` queue, deliveries on the `webhooks`
 * queue) run only where jobs are processed. The `webhooks` queue is
 * registered here because its backoff strategy (exponential with jitter) is
 * this module's code.
 */
@Module({})
export class WebhooksModule {
  static forRoot(options: { processing: boolean }): DynamicModule {
    const processing: Provider[] = [WebhookRecordView, WebhookFanoutService, WebhookSenderService, WebhookSweeper, WebhookEventsProcessor, WebhookDeliveryProcessor];
    return {
      module: WebhooksModule,
      imports: [
        UsersModule,
        CollectionsModule,
        RecordsModule,
        TypeOrmModule.forFeature([Webhook, WebhookDelivery, WebhookAttempt]),
        BullModule.registerQueue({
          name: QueueName.Webhooks,
          settings: { backoffStrategies: { [WEBHOOK_BACKOFF]: (attemptsMade: number, _error: Error, options?: { baseDelayMs?: number }) => webhookRetryDelay(attemptsMade, options?.baseDelayMs ?? 1000) } },
        }),
      ],
      controllers: [WebhooksController],
      providers: [WebhooksService, ...(options.processing ? processing : [])],
    };
  }
}
