import { randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { In, Repository } from 'typeorm';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ConflictError, DomainError, NotFoundError, ValidationFailedError } from 'src/common/errors/domain.error';
import { ErrorCode } from 'src/common/errors/error-codes';
import { AppConfig } from 'src/config/app-config';
import { QueueName, WebhooksJob, webhookJobOptions } from 'src/infra/queue/queue-names';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import { parseFilter } from 'src/modules/records/query/parse-filter';
import { EVENT_PATTERN, eventPatternProblem } from './event-pattern';
import { outboundPolicy, type OutboundPolicy } from './outbound-guard';
import type { CreateWebhookDto, DeliveriesQueryDto, UpdateWebhookDto } from './dto/create-webhook.dto';
import type { CreatedWebhookResponse, WebhookDeliveryListResponse, WebhookDeliveryResponse, WebhookListResponse, WebhookResponse } from './dto/webhook.response';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { usesRelation } from './webhook-record-view';
import { Webhook } from './webhook.entity';
import type { DeliveryJobData } from './webhooks.queue';

/** Deliveries listed per request: the newest. */
const DELIVERY_PAGE = 100;

/** Managing webhooks (each user their own), their delivery log and replays. */
@Injectable()
export class WebhooksService {
  private readonly policy: OutboundPolicy;

  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectRepository(WebhookAttempt) private readonly attempts: Repository<WebhookAttempt>,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue<DeliveryJobData>,
    private readonly registry: CollectionsRegistry,
    private readonly config: AppConfig,
  ) {
    this.policy = outboundPolicy(config.outbound.allowlist);
  }

  /** A new webhook of the caller's; the secret is in this answer only. */
  async create(caller: AuthUser, dto: CreateWebhookDto): Promise<CreatedWebhookResponse> {
    this.checkUrl(dto.url);
    this.checkEvents(dto.events);
    const filter = this.checkFilter(dto.events, dto.filter);
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const now = new Date();
    const row = this.webhooks.create({ id: randomUUID(), userId: caller.id, url: dto.url, events: JSON.stringify(dto.events), filter, active: dto.active ?? true, secret, consecutiveFailures: 0, disabledReason: null, createdAt: now, updatedAt: now });
    await this.webhooks.insert(row);
    return { ...toResponse(row), secret };
  }

  async list(caller: AuthUser): Promise<WebhookListResponse> {
    const rows = await this.webhooks.find({ where: { userId: caller.id }, order: { createdAt: 'DESC', id: 'ASC' } });
    return { data: rows.map(toResponse) };
  }

  async get(caller: AuthUser, id: string): Promise<WebhookResponse> {
    return toResponse(await this.owned(caller, id));
  }

  async update(caller: AuthUser, id: string, dto: UpdateWebhookDto): Promise<WebhookResponse> {
    const row = await this.owned(caller, id);
    if (dto.url !== undefined) this.checkUrl(dto.url);
    if (dto.events !== undefined) this.checkEvents(dto.events);
    const events = dto.events ?? (JSON.parse(row.events) as string[]);
    const filter = dto.filter === undefined ? (row.filter ? (JSON.parse(row.filter) as Record<string, unknown>) : null) : dto.filter;
    const changes: Partial<Webhook> = { url: dto.url ?? row.url, events: JSON.stringify(events), filter: this.checkFilter(events, filter ?? undefined), updatedAt: new Date() };
    if (dto.active !== undefined) {
      changes.active = dto.active;
      // Switching a webhook on again gives it a fresh start.
      if (dto.active) Object.assign(changes, { consecutiveFailures: 0, disabledReason: null });
    }
    await this.webhooks.update({ id: row.id }, changes);
    return toResponse({ ...row, ...changes } as Webhook);
  }

  /** Deletes the webhook with its delivery log; queued deliveries find nothing to send. */
  async remove(caller: AuthUser, id: string): Promise<void> {
    const row = await this.owned(caller, id);
    await this.webhooks.delete({ id: row.id });
  }

  /** The newest deliveries, each with every attempt. */
  async deliveriesOf(caller: AuthUser, id: string, query: DeliveriesQueryDto): Promise<WebhookDeliveryListResponse> {
    const webhook = await this.owned(caller, id);
    const rows = await this.deliveries.find({
      where: query.status ? { webhookId: webhook.id, status: query.status } : { webhookId: webhook.id },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: DELIVERY_PAGE,
    });
    return { data: await this.withAttempts(rows) };
  }

  /** Sends a delivery again (any state but pending), with a fresh set of attempts; attempt numbers continue. */
  async replay(caller: AuthUser, id: string, deliveryId: string): Promise<WebhookDeliveryResponse> {
    const webhook = await this.owned(caller, id);
    if (!webhook.active) throw new DomainError(ErrorCode.WebhookInactive, 409, 'Conflict', `Webhook ${id} is disabled: set it active before replaying.`);
    const delivery = await this.deliveries.findOneBy({ id: deliveryId, webhookId: webhook.id });
    if (!delivery) throw new NotFoundError(`Webhook ${id} has no delivery ${deliveryId}.`);
    const jobId = `delivery:${delivery.id}:replay:${delivery.attempts}`;
    const reset = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({ status: 'pending', jobId, updatedAt: new Date() })
      .where('id = :id AND status <> :pending', { id: delivery.id, pending: 'pending' })
      .execute();
    if (!reset.affected) throw new ConflictError(ErrorCode.DeliveryInProgress, `Delivery ${deliveryId} is still pending: wait for it to settle.`);
    const options = webhookJobOptions(this.config.webhooks.maxAttempts, this.config.webhooks.retryBaseMs);
    await this.queue.add(WebhooksJob.Deliver, { deliveryId: delivery.id }, { ...options, jobId });
    const [response] = await this.withAttempts([{ ...delivery, status: 'pending' }]);
    return response;
  }

  private async owned(caller: AuthUser, id: string): Promise<Webhook> {
    const row = await this.webhooks.findOneBy({ id, userId: caller.id });
    if (!row) throw new NotFoundError(`You have no webhook ${id}.`);
    return row;
  }

  private async withAttempts(rows: WebhookDelivery[]): Promise<WebhookDeliveryResponse[]> {
    const attempts = rows.length === 0 ? [] : await this.attempts.find({ where: { deliveryId: In(rows.map((row) => row.id)) }, order: { attempt: 'ASC' } });
    return rows.map((row) => ({
      id: row.id,
      webhookId: row.webhookId,
      eventId: row.eventId,
      eventType: row.eventType,
      status: row.status,
      attempts: row.attempts,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      attemptLog: attempts
        .filter((a) => a.deliveryId === row.id)
        .map((a) => ({ attempt: a.attempt, statusCode: a.statusCode, durationMs: a.durationMs, responseExcerpt: a.responseExcerpt, error: a.error, at: a.at })),
    }));
  }

  /** http(s) only; an IP literal the SSRF guard would refuse is refused now (host names are checked at each delivery, after DNS). */
  private checkUrl(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationFailedError([{ field: 'url', message: 'must be an absolute http:// or https:// URL' }]);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationFailedError([{ field: 'url', message: 'must be an http:// or https:// URL' }]);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !this.policy.allows(url.hostname, host)) {
      throw new ValidationFailedError([{ field: 'url', message: `may not target ${host}: loopback, private, link-local and metadata addresses are refused (BASALT_OUTBOUND_ALLOWLIST)` }]);
    }
  }

  private checkEvents(events: string[]): void {
    const errors = events.flatMap((pattern, i) => {
      const problem = eventPatternProblem(pattern);
      return problem ? [{ field: `events.${i}`, message: problem }] : [];
    });
    if (errors.length > 0) throw new ValidationFailedError(errors);
  }

  /** The filter as stored (JSON text), checked against the one collection the records patterns name. */
  private checkFilter(events: string[], filter: Record<string, unknown> | undefined): string | null {
    if (!filter || Object.keys(filter).length === 0) return null;
    const collections = new Set(events.filter((p) => p.startsWith('records.')).map((p) => EVENT_PATTERN.exec(p)?.[3] ?? '*'));
    const [collection] = [...collections];
    if (collections.size !== 1 || collection === '*') {
      throw new ValidationFailedError([{ field: 'filter', message: 'needs every records event pattern to name the same single collection (e.g. records.*:articles)' }]);
    }
    const schema = this.registry.get(collection);
    if (!schema) throw new ValidationFailedError([{ field: 'events', message: `no collection "${collection}"` }]);
    if (usesRelation(parseFilter(filter, schema, this.registry, { param: 'filter' }))) {
      throw new ValidationFailedError([{ field: 'filter', message: 'may not follow relations (the event holds only the record itself)' }]);
    }
    return JSON.stringify(filter);
  }
}

function toResponse(row: Webhook): WebhookResponse {
  return {
    id: row.id,
    userId: row.userId,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    filter: row.filter ? (JSON.parse(row.filter) as Record<string, unknown>) : null,
    active: row.active,
    disabledReason: row.disabledReason,
    consecutiveFailures: row.consecutiveFailures,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
