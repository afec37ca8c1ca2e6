import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { LessThan, Repository } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { QueueName, WebhooksJob, webhookJobOptions } from 'src/infra/queue/queue-names';
import { WebhookDelivery } from './webhook-delivery.entity';
import { staleAfterMs } from './webhook-retry';
import type { DeliveryJobData } from './webhooks.queue';

const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 200;
const LIVE_STATES = new Set(['waiting', 'delayed', 'active', 'paused']);

/**
 * Re-enqueues deliveries whose job was lost (a Redis that restarted without
 * its data, a job that failed unexpectedly): pending rows with no attempt for
 * longer than any retry waits, whose recorded job is no longer queued. A job
 * merely waiting in a long queue is left alone, so nothing is sent twice.
 */
@Injectable()
export class WebhookSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue<DeliveryJobData>,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch((error: Error) => this.logger.warn(`sweep failed: ${error.message}`)), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many deliveries were enqueued again. */
  async sweep(now = Date.now()): Promise<number> {
    const stale = await this.deliveries.find({
      select: { id: true, attempts: true, jobId: true },
      where: { status: 'pending', updatedAt: LessThan(new Date(now - staleAfterMs(this.config.webhooks))) },
      order: { updatedAt: 'ASC' },
      take: SWEEP_BATCH,
    });
    const options = webhookJobOptions(this.config.webhooks.maxAttempts, this.config.webhooks.retryBaseMs);
    let requeued = 0;
    for (const row of stale) {
      const job = await this.queue.getJob(row.jobId);
      if (job && LIVE_STATES.has(await job.getState())) continue;
      // Named by the attempt count: nodes sweeping at once add the same job once.
      const jobId = `delivery:${row.id}:sweep:${row.attempts}`;
      const claimed = await this.deliveries.update({ id: row.id, status: 'pending', jobId: row.jobId }, { jobId });
      if (!claimed.affected) continue;
      await this.queue.add(WebhooksJob.Deliver, { deliveryId: row.id }, { ...options, jobId });
      requeued++;
    }
    if (requeued > 0) this.logger.warn(`re-enqueued ${requeued} webhook deliveries whose jobs were lost`);
    return requeued;
  }
}
