import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { DataSource, type QueryRunner } from 'typeorm';
import { AppConfig } from 'src/config/app-config';
import { dialectOf, type SqlDialect } from 'src/infra/database/dialect';
import { EventsJob, QueueName } from 'src/infra/queue/queue-names';
import { RedisChannels } from 'src/infra/queue/redis-channels';
import { ReadCache } from 'src/modules/read-cache/read-cache.service';
import { EVENTS_CHANNEL, type EventBatch, type OutboxEvent } from './outbox-event';
import { EVENT_COLUMNS, toEvent, type EventRow } from './outbox-rows';

const BATCH = 500;
/** Redis answering nothing must not hold the relay lock (and the transaction) for long. */
const PUBLISH_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 5000;
/** Another node holds the relay lock: look again soon, its batch may not hold our events. */
const BUSY_RETRY_MS = 50;

/**
 * Moves committed outbox events to Bull (the `events` queue, one job per
 * batch) and Redis pub/sub (channel `events`, one message per batch),
 * numbering them with gap-free positions. One pass at a time across every node: a pass locks the
 * single `outbox_relay` row (SKIP LOCKED: a node that finds it taken lets the
 * other work), so events leave in one order. Publishing happens before the
 * pass commits: if Redis fails the pass rolls back and the events stay
 * pending (nothing lost); if the commit fails after publishing, the next pass
 * sends them again and consumers deduplicate on the event id. Before
 * publishing, a pass moves the read cache's generations of the batch's
 * collections on (ReadCache), after the writers did.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly dialect: SqlDialect;
  private running = false;
  private again = false;
  private stopped = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Events) private readonly queue: Queue,
    private readonly channels: RedisChannels,
    private readonly config: AppConfig,
    private readonly cache: ReadCache,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** Runs a pass now, or right after the one in progress. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.failures === 0) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let next = this.config.events.pollMs;
    this.current = (async () => {
      try {
        for (;;) {
          this.again = false;
          const outcome = await this.pass();
          if (this.failures > 0) this.logger.log(`relaying again after ${this.failures} failed attempt(s)`);
          this.failures = 0;
          if (outcome === 'busy') next = BUSY_RETRY_MS;
          if (outcome === 'full' || (outcome === 'done' && this.again)) continue;
          break;
        }
      } catch (error) {
        this.failures++;
        if (this.failures === 1 || this.failures % 20 === 0) this.logger.warn(`events not relayed yet (attempt ${this.failures}): ${(error as Error).message}`);
        next = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 10));
      }
    })();
    await this.current;
    this.running = false;
    this.schedule(this.again && this.failures === 0 ? 0 : next);
  }

  /** One batch: 'full' when more may be waiting, 'busy' when another node holds the lock. */
  private async pass(): Promise<'done' | 'full' | 'busy'> {
    // Cheap check first, so an idle node's poll opens no transaction.
    const [pending] = await this.dataSource.query('SELECT seq FROM outbox_events WHERE position IS NULL ORDER BY seq LIMIT 1');
    if (!pending) return 'done';
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [lock] = await runner.query('SELECT position FROM outbox_relay WHERE id = 1 FOR UPDATE SKIP LOCKED');
      if (!lock) {
        await runner.rollbackTransaction();
        return 'busy';
      }
      const rows: EventRow[] = await runner.query(`SELECT ${EVENT_COLUMNS} FROM outbox_events WHERE position IS NULL ORDER BY seq LIMIT ${BATCH}`);
      const start = Number(lock.position);
      const events = rows.map((row, index) => toEvent(row, start + index + 1));
      if (events.length > 0) {
        await withTimeout(this.publish(events), PUBLISH_TIMEOUT_MS, 'Redis did not take the events');
        await this.markRelayed(runner, events);
      }
      await runner.commitTransaction();
      return events.length === BATCH ? 'full' : 'done';
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * One job and one message per batch: under load a pass carries many events
   * for the price of one. Nothing is handed to a Redis client that is not
   * connected: Bull's client would keep the job in its offline queue and add
   * it after the pass gave up, next to the batch the next pass sends.
   */
  private async publish(events: OutboxEvent[]): Promise<void> {
    const status = this.queue.client.status;
    if (status !== 'ready') throw new Error(`Redis is not connected (${status})`);
    // A backstop for a writer that committed but could not move the read cache's generations on (it died, or Redis failed it).
    await this.cache.bumpRelayed(events.map((event) => event.collection));
    // The pub/sub publisher has no offline queue either: it fails at once rather than later.
    await this.channels.publish(EVENTS_CHANNEL, JSON.stringify(events));
    const batch: EventBatch = { events };
    await this.queue.add(EventsJob.Batch, batch, { jobId: `events:${events[0].id}-${events[events.length - 1].id}` });
  }

  private async markRelayed(runner: QueryRunner, events: OutboxEvent[]): Promise<void> {
    const pg = this.dialect === 'postgres';
    const params: unknown[] = [];
    const bigint = (value: unknown) => {
      params.push(value);
      return pg ? `$${params.length}::bigint` : '?';
    };
    const cases = events.map((event) => `WHEN ${bigint(event.id)} THEN ${bigint(event.position)}`).join(' ');
    const ids = events.map((event) => bigint(event.id)).join(', ');
    await runner.query(`UPDATE outbox_events SET position = CASE seq ${cases} END, relayed_at = ${pg ? 'now()' : 'CURRENT_TIMESTAMP(3)'} WHERE seq IN (${ids})`, params);
    await runner.query(`UPDATE outbox_relay SET position = ${pg ? '$1' : '?'} WHERE id = 1`, [events[events.length - 1].position]);
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
