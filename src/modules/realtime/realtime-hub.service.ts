import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import { DrainState } from 'src/modules/health/drain-state';
import { EVENTS_CHANNEL, parseEventsMessage, type OutboxEvent } from 'src/modules/outbox/outbox-event';
import { OutboxService } from 'src/modules/outbox/outbox.service';

/** What the hub needs of an open stream. */
export interface HubSubscriber {
  /** Called in position order, synchronously; must not block. */
  offer(event: OutboxEvent): void;
  close(reason?: DisconnectReason): void;
}

export type DisconnectReason = 'slow-consumer' | 'shutdown' | 'error';

const CATCH_UP_BATCH = 500;

/**
 * This node's one subscription to the relayed events (Redis `events`, from
 * whichever node wrote them), fanned out to its open streams. Events reach
 * subscribers gap-free and in position order: a message that skips
 * positions (one lost while Redis was away) or a reconnect makes the hub
 * read the missing ones from the outbox first.
 */
@Injectable()
export class RealtimeHub implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RealtimeHub');
  private readonly subscribers = new Set<HubSubscriber>();
  private position = 0;
  /** Messages are handled one at a time, so a catch-up read cannot reorder them. */
  private chain: Promise<void> = Promise.resolve();
  private shutdownTimer?: NodeJS.Timeout;

  constructor(
    private readonly channels: RedisChannels,
    private readonly outbox: OutboxService,
    private readonly drain: DrainState,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.position = await this.outbox.latestPosition();
    await this.channels.subscribe(
      EVENTS_CHANNEL,
      (message) => this.serially(() => this.receive(message)),
      () => this.serially(() => this.catchUp(Number.MAX_SAFE_INTEGER)),
    );
    // Streams stay open while the load balancer notices the drain, then end just before the
    // listener closes (which waits for open connections): clients reconnect to another node.
    this.drain.onDrain(() => {
      this.shutdownTimer = setTimeout(() => this.closeAll('shutdown'), Math.max(0, this.config.shutdown.drainDelayMs - 100));
      this.shutdownTimer.unref();
    });
  }

  onApplicationShutdown(): void {
    clearTimeout(this.shutdownTimer);
    this.closeAll('shutdown');
  }

  /** The newest position this node has handed out: a new stream starts after it. */
  get latest(): number {
    return this.position;
  }

  /** Open streams on this node. */
  get size(): number {
    return this.subscribers.size;
  }

  add(subscriber: HubSubscriber): void {
    this.subscribers.add(subscriber);
  }

  remove(subscriber: HubSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  private closeAll(reason: DisconnectReason): void {
    for (const subscriber of [...this.subscribers]) subscriber.close(reason);
    this.subscribers.clear();
  }

  private serially(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((error) => this.logger.error({ err: error }, 'realtime event handling failed'));
  }

  /** One message is one relay batch: consecutive events in position order. */
  private async receive(message: string): Promise<void> {
    let events: OutboxEvent[];
    try {
      events = parseEventsMessage(message);
    } catch {
      this.logger.warn('ignored an events message that is not JSON');
      return;
    }
    if (!Array.isArray(events)) return;
    for (const event of events) {
      if (!Number.isSafeInteger(event.position) || event.position <= this.position) continue;
      if (event.position > this.position + 1) await this.catchUp(event.position - 1);
      this.dispatch(event);
    }
  }

  /** Reads what this node missed, up to `until`, from the outbox. A failure leaves the gap to each stream's own fill. */
  private async catchUp(until: number): Promise<void> {
    try {
      while (this.position < until) {
        const batch = await this.outbox.readSince(this.position, CATCH_UP_BATCH);
        for (const event of batch) if (event.position <= until) this.dispatch(event);
        if (batch.length < CATCH_UP_BATCH) return;
      }
    } catch (error) {
      this.logger.warn(`could not read missed events from the outbox: ${(error as Error).message}`);
    }
  }

  private dispatch(event: OutboxEvent): void {
    if (event.position <= this.position) return;
    this.position = event.position;
    for (const subscriber of this.subscribers) subscriber.offer(event);
  }
}
