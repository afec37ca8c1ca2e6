import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from 'src/config/app-config';
import type { AuthUser } from 'src/common/decorators/current-user.decorator';
import { ValidationFailedError } from 'src/common/errors/domain.error';
import { AccessService } from 'src/modules/access/access.service';
import { CollectionsRegistry } from 'src/modules/collections/collections.registry';
import type { OutboxEvent } from 'src/modules/outbox/outbox-event';
import { OutboxService } from 'src/modules/outbox/outbox.service';
import { evaluateFilter } from 'src/modules/records/query/evaluate-filter';
import { modelOf } from 'src/modules/records/query/collection-model';
import type { FilterNode } from 'src/modules/records/query/list-query';
import { parseFilterParam } from 'src/modules/records/query/parse-filter';
import { RecordVisibility } from 'src/modules/records/record-visibility';
import type { RealtimeQueryDto } from './dto/realtime-query.dto';
import { RealtimeHub } from './realtime-hub.service';
import { RealtimeStream } from './realtime-stream';
import { parseLastEventId, planResume, type ResumePlan } from './resume';
import { sseEvent, sseRetry, type SseEvent } from './sse';

const MAX_COLLECTIONS = 50;

/** A subscription checked before the stream opens: everything wrong with it is a problem answer, not a broken stream. */
export interface Subscription {
  readonly user: AuthUser | undefined;
  readonly collections: ReadonlySet<string>;
  readonly filter?: FilterNode;
  readonly plan: ResumePlan;
}

/**
 * Server-Sent Events of committed changes. Each event is shown to a
 * subscriber only as RecordVisibility shapes it for them (read permission,
 * row filter, field allow-list), then matched against their own filter.
 */
@Injectable()
export class RealtimeService {
  private readonly logger = new Logger('Realtime');

  constructor(
    private readonly hub: RealtimeHub,
    private readonly outbox: OutboxService,
    private readonly visibility: RecordVisibility,
    private readonly access: AccessService,
    private readonly registry: CollectionsRegistry,
    private readonly config: AppConfig,
  ) {}

  /** 400 for a bad parameter, 403 for a collection the caller may not read; the database is asked where to resume. */
  async prepare(user: AuthUser | undefined, query: RealtimeQueryDto, lastEventIdHeader: string | string[] | undefined): Promise<Subscription> {
    const names = query.collections.split(',').map((name) => name.trim());
    if (names.some((name) => name === '')) throw new ValidationFailedError([{ field: 'collections', message: 'has an empty entry' }]);
    if (names.length > MAX_COLLECTIONS) throw new ValidationFailedError([{ field: 'collections', message: `has more than ${MAX_COLLECTIONS} entries` }]);
    const unknown = names.filter((name) => !this.registry.get(name));
    if (unknown.length > 0) throw new ValidationFailedError([{ field: 'collections', message: `${unknown.map((name) => JSON.stringify(name)).join(', ')} ${unknown.length === 1 ? 'is not a collection' : 'are not collections'}` }]);

    let filter: FilterNode | undefined;
    if (query.filter !== undefined) {
      if (names.length !== 1) throw new ValidationFailedError([{ field: 'filter', message: 'needs exactly one collection in `collections`' }]);
      filter = parseFilterParam(query.filter, this.registry.get(names[0])!, this.registry);
      // An event carries one record: a path into another collection would need a query per event and subscriber.
      if (filter && namesRelation(filter)) throw new ValidationFailedError([{ field: 'filter', message: 'may not follow relations (dotted paths) in a subscription' }]);
    }
    const header = parseLastEventId(lastEventIdHeader);
    if (header === null) throw new ValidationFailedError([{ field: 'Last-Event-ID', message: 'must be a non-negative integer (an event id this API sent)' }]);
    const lastEventId = header ?? (query.last_event_id === undefined ? undefined : Number(query.last_event_id));

    for (const name of names) this.access.authorize(user, name, 'read');
    const oldest = lastEventId === undefined ? null : await this.outbox.oldestPosition();
    return { user, collections: new Set(names), filter, plan: planResume(lastEventId, oldest, this.hub.latest) };
  }

  /** Takes the connection over from Fastify and streams until the client leaves, falls behind, or the node shuts down. */
  open(subscription: Subscription, reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string | string[]>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses by default, which would hold events back.
      'x-accel-buffering': 'no',
    });
    raw.socket?.setNoDelay(true);
    raw.write(sseRetry(this.config.realtime.retryMs));

    const latest = this.hub.latest;
    const { plan } = subscription;
    let after = latest;
    if (plan.kind === 'replay') after = Math.min(plan.after, latest);
    if (plan.kind === 'expired' || plan.kind === 'unknown') raw.write(sseEvent(resetEvent(plan, latest)));

    const stream: RealtimeStream = new RealtimeStream(
      raw,
      { collections: subscription.collections, after, replayUntil: latest, bufferEvents: this.config.realtime.bufferEvents, heartbeatMs: this.config.realtime.heartbeatMs },
      {
        readSince: (position, limit) => this.outbox.readSince(position, limit),
        present: (event) => this.present(subscription, event),
        failed: (error) => this.logger.error({ err: error }, 'event stream failed'),
      },
      () => this.hub.remove(stream),
    );
    this.hub.add(stream);
    void stream.run();
  }

  /** The event as this subscriber may see it, or undefined. */
  private async present(subscription: Subscription, event: OutboxEvent): Promise<SseEvent | undefined> {
    const base = { id: event.position, event: event.type };
    if (event.type.startsWith('schema.')) {
      if (event.type !== 'schema.delete' && !this.mayRead(subscription.user, event.collection)) return undefined;
      return { ...base, data: JSON.stringify({ type: event.type, collection: event.collection, definition: event.data, at: event.at }) };
    }
    if (!event.data) return undefined;
    const record = await this.visibility.visibleTo(subscription.user, event.collection, event.data);
    if (!record) return undefined;
    if (subscription.filter && !this.matches(subscription.filter, event.collection, record)) return undefined;
    return { ...base, data: JSON.stringify({ type: event.type, collection: event.collection, id: event.recordId, record, at: event.at }) };
  }

  /**
   * The subscriber's own filter, on the record as they may see it (a hidden
   * field counts as null, so the filter cannot probe it). A filter the
   * collection's current version no longer fits (a field was dropped) matches nothing.
   */
  private matches(filter: FilterNode, collection: string, record: Record<string, unknown>): boolean {
    const schema = this.registry.get(collection);
    if (!schema) return false;
    try {
      return evaluateFilter(filter, record, modelOf(schema).fields, () => false) === true;
    } catch {
      return false;
    }
  }

  private mayRead(user: AuthUser | undefined, collection: string): boolean {
    try {
      this.access.authorize(user, collection, 'read');
      return true;
    } catch {
      return false;
    }
  }
}

function resetEvent(plan: Extract<ResumePlan, { kind: 'expired' | 'unknown' }>, latest: number): SseEvent {
  const detail =
    plan.kind === 'expired'
      ? `Events after ${plan.after} are no longer kept (the oldest kept is ${plan.oldest ?? 'none'}); reload what you show, then follow the stream.`
      : `Event ${plan.after} is not one this API sent; reload what you show, then follow the stream.`;
  return { id: latest, event: 'reset', data: JSON.stringify({ reason: plan.kind, detail }) };
}

function namesRelation(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.nodes.some(namesRelation);
    case 'not':
      return namesRelation(node.node);
    default:
      return node.kind === 'relation';
  }
}
