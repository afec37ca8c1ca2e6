import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Bull from 'bull';
import Redis from 'ioredis';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { createCollection, recordsOf, type Rec } from '../support/records';
import { ScratchRedis } from '../support/redis-server';

interface OutboxEvent {
  id: string;
  position: number;
  type: string;
  collection: string;
  recordId: string | null;
  actorId: string | null;
  data: Record<string, any> | null;
  at: string;
}

const ONE_NODE_ONLY = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;

/** Everything published on a Basalt prefix's `events` channel, in arrival order. */
async function listen(redisUrl: string, prefix: string): Promise<{ events: OutboxEvent[]; close(): void }> {
  const subscriber = new Redis(redisUrl);
  const events: OutboxEvent[] = [];
  // One message per relay batch: an array of consecutive events.
  subscriber.on('message', (_channel, message: string) => events.push(...(JSON.parse(message) as OutboxEvent[])));
  await subscriber.subscribe(`${prefix}:events`);
  return { events, close: () => subscriber.disconnect() };
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${what} did not happen within ${timeoutMs} ms`);
}

/** Positions must run on from the first seen without a gap or a repeat. */
function assertGapFree(events: OutboxEvent[]): void {
  for (let i = 1; i < events.length; i++) assert.equal(events[i].position, events[i - 1].position + 1, `positions ${events.map((e) => e.position).join(',')}`);
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event twice');
}

/** Every event in the queue's batch jobs, whatever their state, by position. */
async function queuedEvents(queue: Bull.Queue): Promise<OutboxEvent[]> {
  const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  return jobs
    .filter((job) => job?.name === 'batch')
    .flatMap((job) => job.data.events as OutboxEvent[])
    .sort((a, b) => a.position - b.position);
}

describe('outbox: every change becomes one event, relayed in order', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let adminId: string;
  let stream: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    const session = await make.admin(client(basalt.url));
    admin = client(basalt.url, session.accessToken);
    adminId = session.user.id;
    stream = await listen(env.env.REDIS_URL!, env.env.BASALT_REDIS_PREFIX!);
  });

  after(async () => {
    stream?.close();
    await basalt?.stop();
    await env?.cleanup();
  });

  test('schema and record changes arrive in commit order with the record as the API shows it', async () => {
    const from = stream.events.length;
    await createCollection(admin, {
      name: 'notes',
      softDelete: true,
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'due', type: 'datetime' },
        { name: 'qty', type: 'integer' },
        { name: 'done', type: 'boolean' },
        { name: 'meta', type: 'json' },
      ],
    });
    const notes = recordsOf(admin, 'notes');
    const created = await notes.add({ title: 'first', due: '2026-01-02T03:04:05.678Z', qty: 3, done: false, meta: { a: [1] } });
    const updated = (await notes.patch(created.id, { title: 'second' })).body as Rec;
    assert.equal((await notes.delete(created.id)).status, 204);
    assert.equal((await admin.post(`/api/v1/collections/notes/trash/${created.id}/restore`)).status, 200);
    assert.equal((await notes.delete(created.id)).status, 204);
    assert.equal((await admin.request('DELETE', `/api/v1/collections/notes/trash/${created.id}`)).status, 204);

    await eventually(() => stream.events.length - from >= 7, 10_000, 'seven events');
    const events = stream.events.slice(from);
    assert.deepEqual(
      events.map((e) => e.type),
      ['schema.create', 'records.create', 'records.update', 'records.delete', 'records.restore', 'records.delete', 'records.purge'],
    );
    assertGapFree(events);
    assert.equal(events[0].collection, 'notes');
    assert.equal(events[0].recordId, null);
    assert.equal(events[0].data?.name, 'notes');
    for (const event of events) {
      assert.equal(event.actorId, adminId, 'the actor is the administrator');
      assert.match(event.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    const [, create, update, trash, restore] = events;
    assert.equal(create.recordId, created.id);
    // The event holds exactly what the API answered.
    assert.deepEqual(create.data, created);
    assert.deepEqual(update.data, updated);
    assert.match(String(trash.data?.deleted_at), /Z$/, 'a delete event shows when it went to the trash');
    assert.equal(restore.data?.deleted_at, undefined, 'a restored record has no trash column');
  });

  test('a write that fails or rolls back produces no event', async () => {
    await createCollection(admin, { name: 'tags', fields: [{ name: 'label', type: 'string', required: true, unique: true }] });
    const tags = recordsOf(admin, 'tags');
    await tags.add({ label: 'a' });
    await eventually(() => stream.events.some((e) => e.collection === 'tags' && e.type === 'records.create'), 10_000, 'the first create');
    const from = stream.events.length;
    assert.equal((await tags.create({ label: 'a' })).status, 409, 'a duplicate is refused');
    const batch = await admin.post('/api/v1/batch', {
      operations: [
        { action: 'create', collection: 'tags', data: { label: 'b' } },
        { action: 'create', collection: 'tags', data: { label: 'a' } },
      ],
    });
    assert.equal(batch.status, 409, batch.text);
    assert.equal((await tags.create([{ label: 'c' }, { label: 'c' }])).status, 409);
    // A write after them shows the relay ran: nothing else came before it.
    await tags.add({ label: 'd' });
    await eventually(() => stream.events.length > from, 10_000, 'the last create');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      stream.events.slice(from).map((e) => `${e.type}:${e.data?.label}`),
      ['records.create:d'],
    );
  });

  test('every event also went to the events queue, in exactly one batch job', async () => {
    await eventually(() => stream.events.length > 0, 5000, 'events');
    const queue = new Bull('events', { prefix: `${env.env.BASALT_REDIS_PREFIX}:bull`, redis: env.env.REDIS_URL! });
    try {
      const queued = await queuedEvents(queue);
      assert.deepEqual(queued, [...stream.events].sort((a, b) => a.position - b.position));
    } finally {
      await queue.close();
    }
  });
});

describe('outbox: writes succeed while Redis is down, and their events go out once it is back', () => {
  let env: TestEnvironment;
  let redis: ScratchRedis;
  let basalt: BasaltProcess;
  let admin: Client;

  before(async () => {
    env = await createTestEnvironment();
    redis = await ScratchRedis.start();
    basalt = await startBasalt({ env: { ...env.env, REDIS_URL: redis.url } });
    admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
    await createCollection(admin, { name: 'items', fields: [{ name: 'n', type: 'integer', required: true }] });
  });

  after(async () => {
    await basalt?.stop();
    await redis?.stop();
    await env?.cleanup();
  });

  test('nothing accepted is lost, nothing is sent twice', async () => {
    await redis.stop();
    const items = recordsOf(admin, 'items');
    const written: string[] = [];
    for (let n = 0; n < 20; n++) written.push((await items.add({ n })).id);
    const updated = await items.patch(written[0], { n: 100 });
    assert.equal(updated.status, 200, updated.text);
    await redis.resume();

    // The restarted Redis is empty: every job in it came from the relay after the restart
    // (the schema event of the collection too, when Redis stopped before it went out).
    const queue = new Bull('events', { prefix: `${env.env.BASALT_REDIS_PREFIX}:bull`, redis: redis.url });
    try {
      const records = async () => (await queuedEvents(queue)).filter((event) => event.type.startsWith('records.'));
      await eventually(async () => (await records()).length >= 21, 30_000, 'the 21 events reaching the queue');
      await new Promise((r) => setTimeout(r, 500));
      const events = await records();
      assert.equal(events.length, 21, 'each change exactly once');
      assertGapFree(events);
      assert.deepEqual(
        events.filter((e) => e.type === 'records.create').map((e) => e.recordId),
        written,
        'creates in the order they were written',
      );
      assert.equal(events[events.length - 1].type, 'records.update');
    } finally {
      await queue.close();
    }
  });
});

describe('outbox: two nodes relay one stream', { skip: ONE_NODE_ONLY }, () => {
  let env: TestEnvironment;
  let nodes: BasaltProcess[] = [];
  let stream: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    env = await createTestEnvironment();
    nodes = [await startBasalt({ env: env.env }), await startBasalt({ env: env.env })];
    stream = await listen(env.env.REDIS_URL!, env.env.BASALT_REDIS_PREFIX!);
  });

  after(async () => {
    stream?.close();
    await Promise.all(nodes.map((node) => node.stop()));
    await env?.cleanup();
  });

  test('concurrent writes on both nodes: every event once, positions gap-free, each record created before it is updated', async () => {
    const [a, b] = await Promise.all(nodes.map(async (node) => client(node.url, (await make.admin(client(node.url))).accessToken)));
    await createCollection(a, { name: 'counters', fields: [{ name: 'n', type: 'integer', required: true }] });
    await eventually(() => stream.events.some((e) => e.type === 'schema.create'), 10_000, 'the schema event');
    const from = stream.events.length;
    const work = async (api: Client, offset: number) => {
      const records = recordsOf(api, 'counters');
      for (let i = 0; i < 15; i++) {
        const record = await records.add({ n: offset + i });
        assert.equal((await records.patch(record.id, { n: offset + i + 1000 })).status, 200);
      }
    };
    await Promise.all([work(a, 0), work(b, 100)]);
    await eventually(() => stream.events.length - from >= 60, 15_000, '60 events');
    await new Promise((r) => setTimeout(r, 500));
    const events = stream.events.slice(from);
    assert.equal(events.length, 60);
    assertGapFree(events);
    const seen = new Set<string>();
    for (const event of events) {
      if (event.type === 'records.create') seen.add(event.recordId!);
      else assert.ok(seen.has(event.recordId!), `update of ${event.recordId} before its create`);
    }
  });
});
