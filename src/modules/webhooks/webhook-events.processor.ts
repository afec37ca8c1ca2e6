import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { EventsJob, QueueName } from 'src/infra/queue/queue-names';
import type { OutboxEvent } from 'src/modules/outbox/outbox-event';
import { WebhookFanoutService } from './webhook-fanout.service';

/**
 * Events fan out in parallel: deliveries are unordered anyway (they run in
 * parallel and retry independently), and a fan-out waits on a few database
 * round trips.
 */
const CONCURRENCY = 8;

/** An adapter: every relayed event (the `events` queue) fans out to the webhooks it matches. Bull retries a failed fan-out. */
@Processor(QueueName.Events)
export class WebhookEventsProcessor {
  constructor(private readonly fanout: WebhookFanoutService) {}

  @Process({ name: EventsJob.Event, concurrency: CONCURRENCY })
  async event(job: Job<OutboxEvent>): Promise<void> {
    await this.fanout.fanOut(job.data);
  }
}
