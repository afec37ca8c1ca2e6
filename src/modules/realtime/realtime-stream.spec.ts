import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { OutboxEvent } from 'src/modules/outbox/outbox-event';
import { RealtimeStream, type StreamOptions } from './realtime-stream';

const event = (position: number, collection = 'articles'): OutboxEvent => ({
  id: String(position + 100),
  position,
  type: 'records.create',
  collection,
  recordId: `r${position}`,
  actorId: null,
  data: { id: `r${position}` },
  at: '2026-01-01T00:00:00.000Z',
});

/** A socket stand-in that records what was written; `paused` stops it taking data (a client that does not read). */
class Sink extends Writable {
  text = '';
  paused = false;
  private pending?: () => void;
  constructor() {
    super({ highWaterMark: 64 });
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    if (this.paused) this.pending = done;
    else done();
  }
  resume(): void {
    this.paused = false;
    const pending = this.pending;
    this.pending = undefined;
    pending?.();
  }
  get ids(): number[] {
    return [...this.text.matchAll(/^id: (\d+)\nevent: records/gm)].map((m) => Number(m[1]));
  }
}

function open(log: OutboxEvent[], options: Partial<StreamOptions> = {}, visible: (e: OutboxEvent) => boolean = () => true) {
  const sink = new Sink();
  let closed = 0;
  const stream = new RealtimeStream(
    sink as unknown as ServerResponse,
    { collections: new Set(['articles']), after: 0, replayUntil: 0, bufferEvents: 100, heartbeatMs: 60_000, ...options },
    {
      readSince: async (after, limit) => log.filter((e) => e.position > after).slice(0, limit),
      present: async (e) => (visible(e) ? { id: e.position, event: e.type, data: JSON.stringify({ id: e.recordId }) } : undefined),
      failed: (error) => assert.fail(String(error)),
    },
    () => closed++,
  );
  void stream.run();
  return { sink, stream, closed: () => closed };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('RealtimeStream', () => {
  test('replays after the given position up to where live events start, then live ones, each once and in order', async () => {
    const log = [1, 2, 3, 4, 5].map((p) => event(p));
    const { sink, stream } = open(log, { after: 2, replayUntil: 4 });
    // The hub may offer an event the replay also reads (4): it is sent once.
    stream.offer(log[3]);
    stream.offer(log[4]);
    await settle();
    assert.deepEqual(sink.ids, [3, 4, 5]);
    stream.close();
  });

  test('a gap in live events is filled from the outbox; other collections and invisible records are skipped silently', async () => {
    const log = [event(1), event(2, 'comments'), event(3), event(4), event(5)];
    const { sink, stream } = open(log, {}, (e) => e.position !== 3);
    stream.offer(log[0]);
    stream.offer(log[4]);
    await settle();
    assert.deepEqual(sink.ids, [1, 4, 5]);
    stream.close();
  });

  test('a gap the outbox no longer holds is a reset event, never a silent skip', async () => {
    const log = [event(5), event(6)];
    const { sink, stream } = open(log, { after: 2, replayUntil: 6 });
    await settle();
    assert.match(sink.text, /id: 6\nevent: reset\ndata: \{"reason":"expired"/);
    stream.offer(event(7));
    await settle();
    assert.deepEqual(sink.ids, [7]);
    stream.close();
  });

  test('a client that stops reading is disconnected with a reason once its queue is full', async () => {
    const { sink, stream, closed } = open([], { bufferEvents: 3 });
    sink.paused = true;
    for (let p = 1; p <= 20; p++) stream.offer(event(p));
    await settle();
    assert.equal(closed(), 1, 'closed once');
    sink.resume();
    await settle();
    assert.match(sink.text, /event: disconnect\ndata: \{"reason":"slow-consumer"/);
    assert.ok(sink.ids.length < 20, `only what fit was written: ${sink.ids.length}`);
  });

  test('a heartbeat carries the id of events the client was not sent, so its Last-Event-ID stays current', async () => {
    const log = [event(1), event(2, 'comments')];
    const { sink, stream } = open(log, { heartbeatMs: 30 });
    stream.offer(log[0]);
    stream.offer(log[1]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.match(sink.text, /id: 2\n: ping\n\n/);
    assert.deepEqual(sink.ids, [1]);
    stream.close();
  });
});
