import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { QueueName, WebhooksJob } from 'src/infra/queue/queue-names';
import { WebhookSenderService } from './webhook-sender.service';
import type { DeliveryJobData } from './webhooks.queue';

/** Deliveries run in parallel: receivers are slow, not Basalt. */
const CONCURRENCY = 16;

/**
 * An adapter: one attempt per job run. A failure worth retrying throws, so
 * Bull schedules the next attempt with the webhook backoff (exponential with
 * jitter); the delivery row says where it stands either way.
 */
@Processor(QueueName.Webhooks)
export class WebhookDeliveryProcessor {
  constructor(private readonly sender: WebhookSenderService) {}

  @Process({ name: WebhooksJob.Deliver, concurrency: CONCURRENCY })
  async deliver(job: Job<DeliveryJobData>): Promise<void> {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.sender.attempt(job.data.deliveryId, last);
    if (outcome === 'retry') throw new Error(`delivery ${job.data.deliveryId}: attempt failed, will retry`);
  }
}
