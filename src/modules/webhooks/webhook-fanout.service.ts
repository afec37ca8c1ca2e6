import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { In, Repository } from 'typeorm';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { AppConfig } from 'src/config/app-config';
import { QueueName, WebhooksJob, webhookJobOptions } from 'src/infra/queue/queue-names';
import type { OutboxEvent } from 'src/modules/outbox/outbox-event';
import { matchesEventPattern } from './event-pattern';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookRecordView } from './webhook-record-view';
import { Webhook } from './webhook.entity';
import type { DeliveryJobData } from './webhooks.queue';

/** The JSON body every delivery POSTs. */
export interface WebhookPayload {
  id: string;
  type: OutboxEvent['type'];
  time: string;
  collection: string;
  /** records.*: the record's id. */
  recordId?: string;
  /** records.*: the record as the webhook's owner may read it. */
  record?: Record<string, unknown> | null;
  /** schema.*: the collection definition (null after a delete). */
  schema?: Record<string, unknown> | null;
}

/**
 * Turns one relayed event into deliveries: one row per matching active
 * webhook (unique per webhook and event, so a relay or fan-out that runs
 * twice delivers once) and one `webhooks` job per row still pending.
 */
@Injectable()
export class WebhookFanoutService {
  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue<DeliveryJobData>,
    private readonly view: WebhookRecordView,
    private readonly config: AppConfig,
  ) {}

  /** The webhooks that may receive a batch's events: read once per batch, not once per event. */
  active(): Promise<Webhook[]> {
    return this.webhooks.find({ where: { active: true } });
  }

  /** Returns how many deliveries were enqueued. `active`: the batch's read of active webhooks. */
  async fanOut(event: OutboxEvent, active: Webhook[]): Promise<number> {
    const owners = new Map<string, Promise<AuthUser | undefined>>();
    const rows: WebhookDelivery[] = [];
    const now = new Date();
    for (const webhook of active) {
      if (!(JSON.parse(webhook.events) as string[]).some((pattern) => matchesEventPattern(pattern, event))) continue;
      if (!owners.has(webhook.userId)) owners.set(webhook.userId, this.view.owner(webhook.userId));
      const owner = await owners.get(webhook.userId)!;
      if (!owner) continue;
      const payload = await this.payloadFor(webhook, owner, event);
      if (!payload) continue;
      const id = randomUUID();
      rows.push(this.deliveries.create({ id, jobId: `delivery:${id}`, webhookId: webhook.id, eventId: event.id, eventType: event.type, status: 'pending', attempts: 0, payload: JSON.stringify(payload), createdAt: now, updatedAt: now }));
    }
    if (rows.length === 0) return 0;
    await this.deliveries.createQueryBuilder().insert().into(WebhookDelivery).values(rows).orIgnore().execute();
    // Rows an earlier run inserted are enqueued again: a job id that is still queued is not added twice.
    const pending = await this.deliveries.find({ select: { id: true, jobId: true }, where: { eventId: event.id, webhookId: In(rows.map((row) => row.webhookId)), status: 'pending' } });
    const options = webhookJobOptions(this.config.webhooks.maxAttempts, this.config.webhooks.retryBaseMs);
    await Promise.all(pending.map((row) => this.queue.add(WebhooksJob.Deliver, { deliveryId: row.id }, { ...options, jobId: row.jobId })));
    return pending.length;
  }

  /** What this webhook's owner gets for the event, or undefined when it gets nothing. */
  private async payloadFor(webhook: Webhook, owner: AuthUser, event: OutboxEvent): Promise<WebhookPayload | undefined> {
    const base = { id: event.id, type: event.type, time: event.at, collection: event.collection };
    if (event.type.startsWith('schema.')) {
      // Collection definitions are administrators' business.
      return owner.role === 'admin' ? { ...base, schema: event.data } : undefined;
    }
    if (!event.data || !event.recordId) return undefined;
    const record = await this.view.forOwner(owner, event.collection, event.data, { webhookId: webhook.id, text: webhook.filter });
    return record ? { ...base, recordId: event.recordId, record } : undefined;
  }
}
