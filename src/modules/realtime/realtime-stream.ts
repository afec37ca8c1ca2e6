import type { ServerResponse } from 'node:http';
import type { OutboxEvent } from 'src/modules/outbox/outbox-event';
import { EventQueue } from './event-queue';
import type { DisconnectReason, HubSubscriber } from './realtime-hub.service';
import { sseComment, sseEvent, type SseEvent } from './sse';

export interface StreamOptions {
  /** Collections the client subscribed to. */
  collections: ReadonlySet<string>;
  /** The position the client has seen: events after it are sent. */
  after: number;
  /** Replay from the outbox up to here before live events (the hub's position when the stream opened). */
  replayUntil: number;
  bufferEvents: number;
  heartbeatMs: number;
}

export interface StreamSource {
  readSince(afterPosition: number, limit: number): Promise<OutboxEvent[]>;
  /** The event as this subscriber may see it; undefined: not for them. */
  present(event: OutboxEvent): Promise<SseEvent | undefined>;
  /** Something is wrong with the stream itself (not the client). */
  failed(error: unknown): void;
}

const FILL_BATCH = 200;
/**
 * The relay publishes a pass before committing it, so the newest positions
 * can be on Redis a moment before the outbox table shows them: an empty read
 * at the tail is retried for a while before it counts as a gap.
 */
const FILL_RETRIES = 40;
const FILL_RETRY_MS = 50;
/** After saying why, a client that does not read is cut off. */
const END_GRACE_MS = 5000;

const DISCONNECT_DETAIL: Record<DisconnectReason, string> = {
  'slow-consumer': 'Events arrived faster than this client read them; reconnect with Last-Event-ID to resume.',
  shutdown: 'This node is shutting down; reconnect with Last-Event-ID to resume on another one.',
  error: 'The stream failed on the server; reconnect with Last-Event-ID to resume.',
};

/**
 * One open event stream. The hub offers every event in position order; they
 * wait in a bounded queue while each is checked against the subscriber's
 * permissions and written. Positions the stream has not seen (the replay
 * after Last-Event-ID, or a gap) are read from the outbox first, so the
 * client gets every event it may see, once, in order. Writes respect the
 * socket's backpressure; when the queue is full the client is disconnected.
 */
export class RealtimeStream implements HubSubscriber {
  private readonly queue: EventQueue<OutboxEvent>;
  /** Every position up to here has been handled (sent or not for this client). */
  private last: number;
  /** The id the client holds (last `id:` line written). */
  private lastSentId: number;
  private heartbeat?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly options: StreamOptions,
    private readonly source: StreamSource,
    private readonly onClose: () => void,
  ) {
    this.queue = new EventQueue(options.bufferEvents);
    this.last = options.after;
    this.lastSentId = options.after;
  }

  /** Begins writing (after the headers and any preamble were written); resolves when the stream ends. */
  run(): Promise<void> {
    this.raw.on('close', () => this.close());
    this.heartbeat = setInterval(() => this.ping(), this.options.heartbeatMs);
    this.heartbeat.unref();
    return this.pump().catch((error) => {
      this.source.failed(error);
      this.close('error');
    });
  }

  /** Every event is queued, also other collections' (handled at once), so a gap in the queue always means a missed event. */
  offer(event: OutboxEvent): void {
    if (this.closed) return;
    if (!this.queue.push(event)) this.close('slow-consumer');
  }

  close(reason?: DisconnectReason): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.queue.close();
    this.onClose();
    if (this.raw.destroyed || this.raw.writableEnded) return;
    if (reason) this.raw.write(sseEvent({ event: 'disconnect', data: JSON.stringify({ reason, detail: DISCONNECT_DETAIL[reason] }) }));
    // The connection goes with the stream (no keep-alive reuse), at once when the client took everything.
    // (The socket is taken now: a finished response lets go of it.)
    const socket = this.raw.socket;
    this.raw.end(() => socket?.destroy());
    setTimeout(() => socket?.destroy(), END_GRACE_MS).unref();
  }

  private async pump(): Promise<void> {
    await this.fill(this.options.replayUntil);
    for (;;) {
      const event = await this.queue.next();
      if (!event || this.closed) return;
      if (event.position <= this.last) continue;
      if (event.position > this.last + 1) await this.fill(event.position - 1);
      await this.handle(event);
    }
  }

  /** Sends what the outbox holds after `last` up to `until`; a gap it cannot fill is announced (`reset`), never skipped silently. */
  private async fill(until: number): Promise<void> {
    let retries = 0;
    while (!this.closed && this.last < until) {
      const batch = await this.source.readSince(this.last, Math.min(FILL_BATCH, until - this.last));
      const wanted = batch.filter((event) => event.position > this.last && event.position <= until);
      if (wanted.length === 0 && retries++ < FILL_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, FILL_RETRY_MS));
        continue;
      }
      if (wanted.length === 0 || wanted[0].position !== this.last + 1) {
        await this.write(sseEvent({ id: until, event: 'reset', data: JSON.stringify({ reason: 'expired', detail: 'Some events since your Last-Event-ID are no longer kept; reload what you show.' }) }));
        this.last = this.lastSentId = until;
        return;
      }
      for (const event of wanted) {
        if (this.closed) return;
        await this.handle(event);
      }
    }
  }

  private async handle(event: OutboxEvent): Promise<void> {
    const message = this.options.collections.has(event.collection) ? await this.source.present(event) : undefined;
    if (this.closed) return;
    if (message) {
      await this.write(sseEvent(message));
      this.lastSentId = event.position;
    }
    this.last = event.position;
  }

  /** Waits for the socket to drain when it is full, so at most one frame sits beyond the socket's buffer. */
  private async write(frame: string): Promise<void> {
    if (this.closed) return;
    if (this.raw.write(frame)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.on('drain', done);
      this.raw.on('close', done);
    });
  }

  /** A comment keeps proxies from closing the idle connection; an `id:` line with it moves the client past events it was not sent. */
  private ping(): void {
    if (this.closed || this.raw.writableNeedDrain) return;
    const id = this.last > this.lastSentId ? sseEvent({ id: this.last }).slice(0, -1) : '';
    if (id) this.lastSentId = this.last;
    this.raw.write(id + sseComment('ping'));
  }
}
