import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { EventsJob, QueueName } from 'src/infra/queue/queue-names';
import type { EventBatch } from 'src/modules/outbox/outbox-event';
import { WebhookFanoutService } from './webhook-fanout.service';

/**
 * Batches fan out in parallel, and so do the events of a batch, a few at a
 * time: deliveries are unordered anyway (they run in parallel and retry
 * independently), and a fan-out mostly waits on database round trips.
 */
const CONCURRENCY = 4;
const EVENTS_AT_ONCE = 8;

/** An adapter: every relayed batch (the `events` queue) fans out to the webhooks its events match. Bull retries a failed batch; fan-out is idempotent. */
@Processor(QueueName.Events)
export class WebhookEventsProcessor {
  constructor(private readonly fanout: WebhookFanoutService) {}

  @Process({ name: EventsJob.Batch, concurrency: CONCURRENCY })
  async batch(job: Job<EventBatch>): Promise<void> {
    const events = job.data.events;
    const active = await this.fanout.active();
    for (let i = 0; i < events.length; i += EVENTS_AT_ONCE) {
      await Promise.all(events.slice(i, i + EVENTS_AT_ONCE).map((event) => this.fanout.fanOut(event, active)));
    }
  }
}
