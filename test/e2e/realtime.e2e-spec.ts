import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { createCollection, recordsOf, sleep } from '../support/records';
import { SseStream } from '../support/sse';
import { WebhookReceiver, eventually } from '../support/webhook-receiver';

// Two processes cannot share the embedded database, so the two-node topology (two API nodes with
// processing off and a worker) runs on PostgreSQL and MariaDB; the embedded run covers the rest on one node.
const SPLIT = TEST_DIALECT !== 'embedded';
const RECORD_EVENTS = ['records.create', 'records.update', 'records.delete'];

/** Deletes outbox rows up to a position, outside Basalt, as pruning would. */
async function dropEventsUpTo(env: TestEnvironment, position: number): Promise<void> {
  if (TEST_DIALECT === 'postgres') {
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    await db.query('DELETE FROM outbox_events WHERE position <= $1', [position]).finally(() => db.end());
  } else {
    const db = await mysql.createConnection(env.database.url!);
    await db.query('DELETE FROM outbox_events WHERE position <= ?', [position]).finally(() => db.end());
  }
}

describe('realtime: Server-Sent Events of changes, permission-checked, resumable, across nodes', () => {
  let env: TestEnvironment;
  let nodeA: BasaltProcess;
  let nodeB: BasaltProcess | undefined;
  let worker: BasaltProcess | undefined;
  let api: Client;
  let admin: Client;
  let adminToken: string;
  const streams: SseStream[] = [];
  const url = (node: BasaltProcess, query: string) => `${node.url}/api/v1/realtime?${query}`;

  async function subscribe(node: BasaltProcess, query: string, options: { token?: string; lastEventId?: string } = {}): Promise<SseStream> {
    const opened = await SseStream.open(url(node, query), options);
    assert.equal(opened.status, 200, JSON.stringify(opened.problem));
    streams.push(opened.stream!);
    return opened.stream!;
  }

  before(async () => {
    env = await createTestEnvironment({ BASALT_REALTIME_HEARTBEAT_SECONDS: '1', BASALT_REALTIME_RETRY_MS: '1500', BASALT_OUTBOUND_ALLOWLIST: '127.0.0.1' });
    const apiEnv = SPLIT ? { ...env.env, BASALT_QUEUE_PROCESSING: 'false' } : env.env;
    nodeA = await startBasalt({ env: apiEnv });
    if (SPLIT) [nodeB, worker] = await Promise.all([startBasalt({ env: apiEnv }), startBasalt({ entry: 'worker', env: env.env })]);
    api = client(nodeA.url);
    adminToken = (await make.admin(api)).accessToken;
    admin = client(nodeA.url, adminToken);
    await createCollection(admin, {
      name: 'articles',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'status', type: 'string' },
        { name: 'secret', type: 'string' },
      ],
    });
    await createCollection(admin, { name: 'comments', fields: [{ name: 'body', type: 'string', required: true }] });
  });

  after(async () => {
    for (const stream of streams) stream.close();
    await Promise.all([nodeA?.stop(), nodeB?.stop(), worker?.stop()]);
    await env?.cleanup();
  });

  test('a subscriber gets create, update and delete in order, with increasing ids, and only of the collections it named', async () => {
    const stream = await subscribe(nodeA, 'collections=articles', { token: adminToken });
    assert.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(stream.response.headers.get('cache-control'), 'no-cache, no-transform');
    assert.ok(stream.response.headers.get('x-request-id'));
    const articles = recordsOf(admin, 'articles');
    const article = await articles.add({ title: 'one', status: 'draft', secret: 's' });
    await recordsOf(admin, 'comments').add({ body: 'not for this stream' });
    assert.equal((await articles.patch(article.id, { status: 'published' })).status, 200);
    assert.equal((await articles.delete(article.id)).status, 204);

    const events = (await stream.waitFor((all) => all.filter((e) => e.event.startsWith('records.')).length >= 3)).filter((e) => e.event.startsWith('records.'));
    assert.deepEqual(events.map((e) => e.event), RECORD_EVENTS);
    assert.ok(events.every((e) => e.data.collection === 'articles' && e.data.id === article.id));
    const ids = events.map((e) => Number(e.id));
    assert.ok(ids[0] < ids[1] && ids[1] < ids[2], `ids increase: ${ids}`);
    assert.deepEqual(events.map((e) => e.data.type), RECORD_EVENTS);
    assert.equal(events[0].data.record.title, 'one');
    assert.equal(events[0].data.record.secret, 's', 'an administrator sees every field');
    assert.equal(events[1].data.record.status, 'published');
    assert.ok(Date.parse(events[2].data.at) > 0);
    assert.equal(stream.retry, 1500, 'the retry hint comes first');
    await sleep(300);
    assert.ok(!stream.events.some((e) => e.data?.collection === 'comments'));
  });

  test('heartbeats: an idle stream gets a ping comment at the configured interval', async () => {
    const stream = await subscribe(nodeA, 'collections=comments', { token: adminToken });
    await sleep(2500);
    assert.ok(stream.comments.filter((c) => c === 'ping').length >= 2, JSON.stringify(stream.comments));
    assert.equal(stream.ended, false);
  });

  test('users get only the records and fields their read permission allows; no permission is a 403 before the stream opens', async () => {
    const user = await make.user(api);
    const denied = await SseStream.open(url(nodeA, 'collections=articles'), { token: user.accessToken });
    assert.equal(denied.status, 403);
    assert.equal(denied.problem.type, 'urn:basalt:problem:forbidden');
    assert.match(denied.headers.get('content-type') ?? '', /^application\/problem\+json/);

    const permit = await admin.post('/api/v1/permissions', { role: 'user', collection: 'articles', action: 'read', rowFilter: { status: { $eq: 'published' } }, fields: ['title', 'status'] });
    assert.equal(permit.status, 201, permit.text);
    await sleep(300);
    const stream = await subscribe(nodeA, 'collections=articles', { token: user.accessToken });
    const watcher = await subscribe(nodeA, 'collections=articles', { token: adminToken });
    const articles = recordsOf(admin, 'articles');
    const hidden = await articles.add({ title: 'draft', status: 'draft', secret: 'x' });
    const shown = await articles.add({ title: 'public', status: 'published', secret: 'y' });
    await articles.patch(hidden.id, { title: 'still a draft' });
    await articles.delete(shown.id);
    await watcher.waitFor((all) => all.filter((e) => e.event.startsWith('records.')).length >= 4);
    const events = await stream.waitFor((all) => all.filter((e) => e.event === 'records.delete').length >= 1);
    const records = events.filter((e) => e.event.startsWith('records.'));
    assert.deepEqual(records.map((e) => [e.event, e.data.id]), [
      ['records.create', shown.id],
      ['records.delete', shown.id],
    ]);
    for (const event of records) assert.deepEqual(Object.keys(event.data.record).sort(), ['created_at', 'id', 'status', 'title', 'updated_at']);
    assert.doesNotMatch(JSON.stringify(stream.events), /"secret"|still a draft/);
  });

  test('Last-Event-ID resumes after a disconnect without gaps or repeats; ?last_event_id= does the same for a new EventSource', async () => {
    const comments = recordsOf(admin, 'comments');
    const first = await subscribe(nodeA, 'collections=comments', { token: adminToken });
    await comments.add({ body: 'c1' });
    // (Not the first event: the relay may still be sending the collections' schema events.)
    const seen = (await first.waitFor((all) => all.some((e) => e.event === 'records.create'))).find((e) => e.event === 'records.create')!;
    first.close();
    await comments.add({ body: 'c2' });
    await comments.add({ body: 'c3' });
    await recordsOf(admin, 'articles').add({ title: 'elsewhere' });
    await comments.add({ body: 'c4' });

    const expected = ['c2', 'c3', 'c4'];
    for (const how of ['header', 'query'] as const) {
      const resumed = how === 'header' ? await subscribe(nodeA, 'collections=comments', { token: adminToken, lastEventId: seen.id }) : await subscribe(nodeA, `collections=comments&last_event_id=${seen.id}`, { token: adminToken });
      const events = await resumed.waitFor((all) => all.filter((e) => e.event === 'records.create').length >= expected.length, 10_000, `the replay (${how})`);
      assert.deepEqual(events.filter((e) => e.event === 'records.create').map((e) => e.data.record.body), expected, `${how} after ${seen.id}`);
      expected.push(`live-${how}`);
      // Then live events follow, once.
      await comments.add({ body: `live-${how}` });
      await resumed.waitFor((all) => all.some((e) => e.data?.record?.body === `live-${how}`));
      await sleep(200);
      const bodies = resumed.of('records.create').map((e) => e.data.record.body);
      assert.equal(new Set(bodies).size, bodies.length, `no event twice: ${bodies}`);
      resumed.close();
    }
  });

  test('a Last-Event-ID past the newest event, or older than what is kept, gets a reset event instead of a silent gap', async () => {
    const future = await subscribe(nodeA, 'collections=comments', { token: adminToken, lastEventId: '999999999' });
    const [reset] = await future.waitFor((all) => all.some((e) => e.event === 'reset'));
    assert.equal(reset.data.reason, 'unknown');
    await recordsOf(admin, 'comments').add({ body: 'after the reset' });
    await future.waitFor((all) => all.some((e) => e.data?.record?.body === 'after the reset'), 10_000, 'live events after a reset');
    future.close();

    if (!SPLIT) return; // dropping kept events needs SQL access from outside
    const probe = await subscribe(nodeA, 'collections=comments', { token: adminToken });
    await recordsOf(admin, 'comments').add({ body: 'will be pruned' });
    const [pruned] = await probe.waitFor((all) => all.some((e) => e.data?.record?.body === 'will be pruned'));
    probe.close();
    await recordsOf(admin, 'comments').add({ body: 'kept' });
    await dropEventsUpTo(env, Number(pruned.id));
    const expired = await subscribe(nodeA, 'collections=comments', { token: adminToken, lastEventId: String(Number(pruned.id) - 1) });
    const [gone] = await expired.waitFor((all) => all.some((e) => e.event === 'reset'));
    assert.equal(gone.data.reason, 'expired');
    assert.match(gone.data.detail, /no longer kept/);
  });

  test('bad subscriptions are problems before the stream opens, naming what is wrong', async () => {
    const cases: [string, number, string][] = [
      ['', 400, 'collections'],
      ['collections=', 400, 'collections'],
      ['collections=articles,nope', 400, 'collections'],
      ['collections=articles,,comments', 400, 'collections'],
      ['collections=articles&filter=%7Bbroken', 400, 'filter'],
      ['collections=articles&filter=%7B%22nope%22%3A1%7D', 400, 'filter'],
      ['collections=articles,comments&filter=%7B%22title%22%3A%22x%22%7D', 400, 'filter'],
      ['collections=articles&last_event_id=-3', 400, 'last_event_id'],
      ['collections=articles&unknown=1', 400, 'unknown'],
    ];
    for (const [query, status, field] of cases) {
      const opened = await SseStream.open(url(nodeA, query), { token: adminToken });
      assert.equal(opened.status, status, `${query}: ${JSON.stringify(opened.problem)}`);
      const named = JSON.stringify(opened.problem);
      assert.ok(named.includes(field), `${query} should name ${field}: ${named}`);
    }
    await createCollection(admin, { name: 'replies', fields: [{ name: 'article', type: 'relation', target: 'articles', onDelete: 'cascade' }] });
    const throughRelation = await SseStream.open(url(nodeA, `collections=replies&filter=${encodeURIComponent('{"article.title":"x"}')}`), { token: adminToken });
    assert.equal(throughRelation.status, 400, JSON.stringify(throughRelation.problem));
    assert.match(JSON.stringify(throughRelation.problem), /may not follow relations/);
    const badHeader = await SseStream.open(url(nodeA, 'collections=articles'), { token: adminToken, lastEventId: 'abc' });
    assert.equal(badHeader.status, 400);
    assert.ok(JSON.stringify(badHeader.problem).includes('Last-Event-ID'));
    assert.equal((await SseStream.open(url(nodeA, 'collections=articles'), { token: 'not-a-token' })).status, 401);
  });

  test('?access_token= authenticates this route only (EventSource cannot send headers); anonymous callers are the public role', async () => {
    const viaQuery = await subscribe(nodeA, `collections=articles&access_token=${adminToken}`);
    await recordsOf(admin, 'articles').add({ title: 'seen through a query token' });
    await viaQuery.waitFor((all) => all.some((e) => e.data?.record?.title === 'seen through a query token'));
    assert.equal((await SseStream.open(url(nodeA, 'collections=articles&access_token=nope'))).status, 401);
    assert.equal((await api.get(`/api/v1/auth/me?access_token=${adminToken}`)).status, 401, 'other routes ignore it');
    const anonymous = await SseStream.open(url(nodeA, 'collections=comments'));
    assert.equal(anonymous.status, 403, 'no public read rule on comments');
  });

  test('a filter narrows the subscription to matching records', async () => {
    const filter = encodeURIComponent(JSON.stringify({ status: 'featured' }));
    const stream = await subscribe(nodeA, `collections=articles&filter=${filter}`, { token: adminToken });
    const articles = recordsOf(admin, 'articles');
    await articles.add({ title: 'plain', status: 'draft' });
    const featured = await articles.add({ title: 'star', status: 'featured' });
    const events = await stream.waitFor((all) => all.some((e) => e.event === 'records.create'));
    await sleep(300);
    assert.deepEqual(stream.of('records.create').map((e) => e.data.id), [featured.id]);
    assert.equal(events[0].data.record.title, 'star');
  });

  test('schema events reach subscribers of the collection', async () => {
    const stream = await subscribe(nodeA, 'collections=comments', { token: adminToken });
    const changed = await admin.request('PATCH', '/api/v1/collections/comments', {
      body: { fields: [{ name: 'body', type: 'string', required: true }, { name: 'rating', type: 'integer' }] },
    });
    assert.equal(changed.status, 200, changed.text);
    const [event] = await stream.waitFor((all) => all.some((e) => e.event === 'schema.update'));
    assert.equal(event.data.collection, 'comments');
    assert.ok(JSON.stringify(event.data.definition).includes('rating'));
  });

  test('a change written on one API node reaches a subscriber on the other (Redis pub/sub), in order, and a webhook once (through the worker)', { skip: !SPLIT && 'one node on the embedded database' }, async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const hook = await admin.post('/api/v1/webhooks', { url: receiver.url('/cross'), events: ['records.create:articles'] });
      assert.equal(hook.status, 201, hook.text);
      const onB = await subscribe(nodeB!, 'collections=articles', { token: adminToken });
      const onA = await subscribe(nodeA, 'collections=articles', { token: adminToken });
      const articles = recordsOf(admin, 'articles');
      const written: string[] = [];
      for (let i = 0; i < 10; i++) written.push((await articles.add({ title: `cross ${i}` })).id);
      const events = await onB.waitFor((all) => all.filter((e) => e.event === 'records.create').length >= 10);
      assert.deepEqual(events.filter((e) => e.event === 'records.create').map((e) => e.data.id), written);
      await onA.waitFor((all) => all.filter((e) => e.event === 'records.create').length >= 10);
      assert.deepEqual(onA.of('records.create').map((e) => e.id), onB.of('records.create').map((e) => e.id), 'the same ids on both nodes');
      // Both API nodes have processing off: the worker delivers, each event once.
      await eventually(() => receiver.received.length >= 10, 20_000, 'ten deliveries');
      await sleep(1000);
      assert.deepEqual(receiver.received.map((hook) => hook.body.recordId).sort(), [...written].sort(), 'each record delivered exactly once');
    } finally {
      await receiver.close();
    }
  });

  test('graceful shutdown ends open streams with a reason, and the node still stops in time', { skip: !SPLIT && 'one node on the embedded database' }, async () => {
    const nodeC = await startBasalt({ env: { ...env.env, BASALT_QUEUE_PROCESSING: 'false', BASALT_DRAIN_DELAY_MS: '500', BASALT_SHUTDOWN_TIMEOUT_MS: '5000' } });
    const stream = await subscribe(nodeC, 'collections=articles', { token: adminToken });
    const started = Date.now();
    const exited = nodeC.stop('SIGTERM');
    await stream.waitForEnd(5000);
    assert.equal(await exited, 0, nodeC.output());
    assert.ok(Date.now() - started < 4000, `stopped in ${Date.now() - started} ms`);
    const bye = stream.events.find((e) => e.event === 'disconnect');
    assert.equal(bye?.data.reason, 'shutdown');
  });

  test('a client that stops reading is cut off once its buffer cap is reached, and the node goes on', { skip: !SPLIT && 'one node on the embedded database' }, async () => {
    await createCollection(admin, { name: 'blobs', fields: [{ name: 'body', type: 'text', required: true }] });
    const nodeD = await startBasalt({ env: { ...env.env, BASALT_QUEUE_PROCESSING: 'false', BASALT_REALTIME_BUFFER_EVENTS: '5', BASALT_BODY_LIMIT: String(4 * 1024 * 1024) } });
    try {
      // A raw socket that reads the response head and then nothing: the kernel buffers fill, then the server's.
      const socket = connect(nodeD.port, '127.0.0.1');
      let received = '';
      let closed = false;
      socket.on('close', () => (closed = true));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /api/v1/realtime?collections=blobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${adminToken}\r\nAccept: text/event-stream\r\n\r\n`);
      await new Promise<void>((resolve) => socket.once('data', (chunk) => ((received += chunk), resolve())));
      assert.match(received, /^HTTP\/1.1 200/);
      socket.pause();

      const blobs = client(nodeD.url, adminToken);
      const body = 'x'.repeat(256 * 1024);
      // More than the kernel's socket buffers hold (a few MB), in events of 256 KB.
      for (let i = 0; i < 10; i++) {
        const created = await blobs.post('/api/v1/collections/blobs/records', Array.from({ length: 10 }, () => ({ body })));
        assert.equal(created.status, 201, created.text.slice(0, 300));
      }
      // The server gives a cut-off client 5 s to take the reason (realtime-stream.spec.ts checks that it
      // is written), then closes the connection.
      await sleep(5500);
      socket.on('data', (chunk) => (received += chunk));
      socket.resume();
      const deadline = Date.now() + 10_000;
      while (!closed && Date.now() < deadline) await sleep(50);
      assert.ok(closed, `the server closed the connection: ${received.length} bytes, ends ${JSON.stringify(received.slice(-300))}`);
      const sent = (received.match(/event: records\.create/g) ?? []).length;
      assert.ok(sent < 100, `only part of the 100 events was written before the cut: ${sent}`);
      // The node is fine: a new stream works.
      const fresh = await subscribe(nodeD, 'collections=blobs', { token: adminToken });
      await recordsOf(blobs, 'blobs').add({ body: 'small' });
      await fresh.waitFor((all) => all.some((e) => e.data?.record?.body === 'small'));
      fresh.close();
    } finally {
      await nodeD.stop();
    }
  });
});
