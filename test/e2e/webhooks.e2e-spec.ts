import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertInvalid, assertProblem, createCollection, recordsOf } from '../support/records';
import { ScratchRedis } from '../support/redis-server';
import { SmtpSink } from '../support/smtp-sink';
import { WebhookReceiver, eventually, type ReceivedHook } from '../support/webhook-receiver';

/** What a receiver does (as the README shows): HMAC over "<t>.<raw body>", constant-time compare, reject old timestamps. */
function verify(secret: string, hook: ReceivedHook, toleranceSeconds = 300): boolean {
  const header = String(hook.headers['x-basalt-signature'] ?? '');
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${hook.raw}`).digest();
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function createHook(api: Client, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await api.post('/api/v1/webhooks', body);
  assert.equal(response.status, 201, response.text);
  return response.body;
}

async function deliveriesOf(api: Client, id: string): Promise<any[]> {
  const response = await api.get(`/api/v1/webhooks/${id}/deliveries`);
  assert.equal(response.status, 200, response.text);
  return response.body.data;
}

const FAST_RETRIES = { BASALT_WEBHOOK_RETRY_BASE_MS: '100', BASALT_WEBHOOK_MAX_ATTEMPTS: '3', BASALT_WEBHOOK_TIMEOUT_MS: '3000' };

describe('webhooks: signed deliveries, retries, dead letters, replay', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let receiver: WebhookReceiver;
  let smtp: SmtpSink;

  before(async () => {
    receiver = await WebhookReceiver.start();
    smtp = await SmtpSink.start();
    env = await createTestEnvironment({ ...FAST_RETRIES, BASALT_OUTBOUND_ALLOWLIST: '127.0.0.1', BASALT_WEBHOOK_DISABLE_AFTER: '2', BASALT_SMTP_URL: smtp.url });
    basalt = await startBasalt({ env: env.env });
    admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
    await createCollection(admin, { name: 'articles', softDelete: true, fields: [{ name: 'title', type: 'string', required: true }, { name: 'status', type: 'string' }] });
    receiver.reply = (hook) => {
      const match = /^\/(fail|status)\/(\d+)/.exec(hook.path);
      return match ? { status: Number(match[2]), body: `answer ${match[2]}` } : { status: 200, body: 'thanks' };
    };
  });

  after(async () => {
    await basalt?.stop();
    await receiver?.close();
    await smtp?.stop();
    await env?.cleanup();
  });

  test('bad subscriptions are refused with a problem naming the field, and nothing is created', async () => {
    const url = receiver.url();
    assertInvalid(await admin.post('/api/v1/webhooks', { url: 'ftp://example.com/x', events: ['records.*:*'] }), ['url']);
    assertInvalid(await admin.post('/api/v1/webhooks', { url: 'not a url', events: ['records.*:*'] }), ['url']);
    assertInvalid(await admin.post('/api/v1/webhooks', { url, events: ['records.explode:articles'] }), ['events.0']);
    assertInvalid(await admin.post('/api/v1/webhooks', { url, events: ['records.*:*', 'users.*'] }), ['events.1']);
    assertInvalid(await admin.post('/api/v1/webhooks', { url, events: [] }), ['events']);
    assertInvalid(await admin.post('/api/v1/webhooks', { url, events: ['records.*:*'], filter: { status: 'x' } }), ['filter']);
    const unknownField = await admin.post('/api/v1/webhooks', { url, events: ['records.create:articles'], filter: { nope: 1 } });
    assertProblem(unknownField, 400);
    assert.match(unknownField.text, /filter\.nope/);
    assertInvalid(await admin.post('/api/v1/webhooks', { url, events: ['records.create:missing'], filter: { a: 1 } }), ['events']);
    assertInvalid(await admin.post('/api/v1/webhooks', { url, events: ['records.*:*'], secret: 'mine' }), ['secret']);
    assert.deepEqual((await admin.get('/api/v1/webhooks')).body.data, []);
  });

  test('CRUD: the secret is shown once; other users see nothing', async () => {
    const created = await admin.post('/api/v1/webhooks', { url: receiver.url('/crud'), events: ['records.create:articles'] });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.body.active, true);
    const got = await admin.get(`/api/v1/webhooks/${created.body.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined, 'never shown again');
    assert.ok(!JSON.stringify((await admin.get('/api/v1/webhooks')).body).includes(created.body.secret));
    const patched = await admin.request('PATCH', `/api/v1/webhooks/${created.body.id}`, { body: { events: ['records.*:articles'], filter: { status: 'published' }, active: false } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual([patched.body.events, patched.body.filter, patched.body.active], [['records.*:articles'], { status: 'published' }, false]);
    const other = client(basalt.url, (await make.user(client(basalt.url))).accessToken);
    assertProblem(await other.get(`/api/v1/webhooks/${created.body.id}`), 404);
    assertProblem(await other.request('DELETE', `/api/v1/webhooks/${created.body.id}`), 404);
    assert.equal((await admin.request('DELETE', `/api/v1/webhooks/${created.body.id}`)).status, 204);
    assertProblem(await admin.get(`/api/v1/webhooks/${created.body.id}`), 404);
  });

  test('a signed delivery the receiver verifies, with the event and the record', async () => {
    const hook = await createHook(admin, { url: receiver.url('/signed'), events: ['records.create:articles'] });
    const article = await recordsOf(admin, 'articles').add({ title: 'Hello', status: 'draft' });
    const [received] = await eventually(() => receiver.on('/signed').length > 0 && receiver.on('/signed'), 10_000, 'the delivery');
    assert.equal(verify(hook.secret, received), true, 'the signature verifies');
    assert.equal(verify('whsec_wrong', received), false);
    assert.equal(verify(hook.secret, { ...received, raw: received.raw.replace('Hello', 'Hellp') }), false, 'a changed body fails');
    assert.equal(received.headers['x-basalt-event'], 'records.create');
    assert.equal(received.headers['content-type'], 'application/json');
    assert.match(String(received.headers['x-basalt-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(received.body.type, 'records.create');
    assert.match(received.body.id, /^\d+$/);
    assert.match(received.body.time, /Z$/);
    assert.equal(received.body.collection, 'articles');
    assert.deepEqual(received.body.record, article);
    const [delivery] = await eventually(async () => {
      const list = await deliveriesOf(admin, hook.id);
      return list[0]?.status === 'delivered' && list;
    }, 10_000, 'the delivery marked delivered');
    assert.equal(received.headers['x-basalt-delivery'], delivery.id);
    assert.equal(delivery.eventId, received.body.id);
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.attemptLog[0].statusCode, 200);
    assert.equal(delivery.attemptLog[0].responseExcerpt, 'thanks');
    assert.equal(typeof delivery.attemptLog[0].durationMs, 'number');
  });

  test('the record filter decides which records go out', async () => {
    await createHook(admin, { url: receiver.url('/filtered'), events: ['records.*:articles'], filter: { status: 'published' } });
    const articles = recordsOf(admin, 'articles');
    await articles.add({ title: 'draft one', status: 'draft' });
    const published = await articles.add({ title: 'published one', status: 'published' });
    await eventually(() => receiver.on('/filtered').length > 0, 10_000, 'the published record');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(receiver.on('/filtered').map((h) => h.body.record.id), [published.id]);
  });

  test('a receiver that fails twice then succeeds: three attempts logged', async () => {
    let calls = 0;
    const previous = receiver.reply;
    receiver.reply = (hook, index) => (hook.path === '/flaky' ? (++calls <= 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'finally' }) : previous(hook, index));
    const hook = await createHook(admin, { url: receiver.url('/flaky'), events: ['records.update:articles'] });
    const articles = recordsOf(admin, 'articles');
    const article = await articles.add({ title: 'x' });
    await articles.patch(article.id, { title: 'y' });
    const [delivery] = await eventually(async () => {
      const list = await deliveriesOf(admin, hook.id);
      return list[0]?.status === 'delivered' && list;
    }, 15_000, 'delivered after retries');
    assert.deepEqual(delivery.attemptLog.map((a: any) => [a.attempt, a.statusCode, a.responseExcerpt]), [[1, 503, 'busy'], [2, 503, 'busy'], [3, 200, 'finally']]);
    assert.equal(delivery.attempts, 3);
    const hooks = receiver.on('/flaky');
    assert.equal(hooks.length, 3);
    assert.ok(new Set(hooks.map((h) => h.headers['x-basalt-delivery'])).size === 1, 'one delivery id across attempts');
    assert.ok(hooks.every((h) => h.raw === hooks[0].raw), 'the same body each time');
    assert.ok(hooks[1].at - hooks[0].at >= 50, 'a backoff between attempts');
  });

  test('a receiver that always fails ends dead-lettered; a replay delivers it', async () => {
    let failing = true;
    const previous = receiver.reply;
    receiver.reply = (hook, index) => (hook.path === '/down' ? (failing ? { status: 500, body: 'down' } : { status: 204 }) : previous(hook, index));
    const hook = await createHook(admin, { url: receiver.url('/down'), events: ['records.delete:articles'] });
    const articles = recordsOf(admin, 'articles');
    const article = await articles.add({ title: 'doomed' });
    assert.equal((await articles.delete(article.id)).status, 204);
    const [dead] = await eventually(async () => {
      const list = await deliveriesOf(admin, hook.id);
      return list[0]?.status === 'dead' && list;
    }, 15_000, 'dead-lettered');
    assert.equal(dead.attempts, 3, 'BASALT_WEBHOOK_MAX_ATTEMPTS');
    assert.deepEqual(dead.attemptLog.map((a: any) => a.statusCode), [500, 500, 500]);
    assert.equal(dead.attemptLog[2].error, 'HTTP 500');
    assert.equal(receiver.on('/down').length, 3);

    failing = false;
    const replay = await admin.post(`/api/v1/webhooks/${hook.id}/deliveries/${dead.id}/replay`);
    assert.equal(replay.status, 202, replay.text);
    const [replayed] = await eventually(async () => {
      const list = await deliveriesOf(admin, hook.id);
      return list[0]?.status === 'delivered' && list;
    }, 10_000, 'replayed');
    assert.deepEqual(replayed.attemptLog.map((a: any) => [a.attempt, a.statusCode]), [[1, 500], [2, 500], [3, 500], [4, 204]]);
    const bodies = receiver.on('/down').map((h) => h.raw);
    assert.equal(bodies.length, 4);
    assert.equal(bodies[3], bodies[0], 'a replay sends the same event');
    assert.equal(receiver.on('/down')[3].body.record.id, article.id);
    assertProblem(await admin.post(`/api/v1/webhooks/${hook.id}/deliveries/3b241101-e2bb-4255-8caf-4136c566a962/replay`), 404);
  });

  test('4xx is not retried; a webhook that keeps failing is disabled and its owner emailed', async () => {
    const hook = await createHook(admin, { url: receiver.url('/status/410'), events: ['records.create:articles'] });
    const articles = recordsOf(admin, 'articles');
    await articles.add({ title: 'one' });
    await eventually(async () => (await deliveriesOf(admin, hook.id))[0]?.status === 'dead', 10_000, 'the first dead letter');
    const [first] = await deliveriesOf(admin, hook.id);
    assert.equal(first.attempts, 1, 'a 410 is final');
    await articles.add({ title: 'two' });
    const disabled = await eventually(async () => {
      const got = (await admin.get(`/api/v1/webhooks/${hook.id}`)).body;
      return got.active === false && got;
    }, 10_000, 'the webhook disabled');
    assert.match(disabled.disabledReason, /2 failed deliveries in a row; last error: HTTP 410/);
    const mail = await eventually(() => smtp.messages.find((m) => m.text.includes('/status/410')), 10_000, 'the owner notified');
    assert.deepEqual(mail.to, ['admin@example.com']);
    assert.match(mail.subject, /webhook was disabled/);
    assertProblem(await admin.post(`/api/v1/webhooks/${hook.id}/deliveries/${first.id}/replay`), 409, 'webhook-inactive');
    // Disabled: later events are not delivered.
    await articles.add({ title: 'three' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.on('/status/410').length, 2);
  });

  test('records go out as the owner may read them: a user without read access gets nothing, nor schema events', async () => {
    const user = client(basalt.url, (await make.user(client(basalt.url))).accessToken);
    const mine = await createHook(user, { url: receiver.url('/user'), events: ['records.*:*', 'schema.*'] });
    await createHook(admin, { url: receiver.url('/admin'), events: ['records.create:notes', 'schema.create'] });
    await createCollection(admin, { name: 'notes', fields: [{ name: 'body', type: 'string' }] });
    await recordsOf(admin, 'notes').add({ body: 'secret' });
    await eventually(() => receiver.on('/admin').length >= 2, 10_000, 'the administrator\'s deliveries');
    assert.deepEqual(receiver.on('/admin').map((h) => h.body.type).sort(), ['records.create', 'schema.create']);
    assert.equal(receiver.on('/admin').find((h) => h.body.type === 'schema.create')!.body.schema.name, 'notes');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.on('/user').length, 0);
    assert.deepEqual(await deliveriesOf(user, mine.id), []);
  });

  test('a user gets the records their read rule shows, with the fields it allows, through their own filter', async () => {
    await createCollection(admin, { name: 'posts', fields: [{ name: 'title', type: 'string' }, { name: 'public', type: 'boolean' }, { name: 'internal', type: 'string' }, { name: 'parent', type: 'relation', target: 'posts' }] });
    const rule = await admin.post('/api/v1/permissions', { role: 'user', collection: 'posts', action: 'read', rowFilter: { public: true }, fields: ['title', 'public'] });
    assert.equal(rule.status, 201, rule.text);
    const user = client(basalt.url, (await make.user(client(basalt.url))).accessToken);
    assertInvalid(await user.post('/api/v1/webhooks', { url: receiver.url('/rel'), events: ['records.*:posts'], filter: { 'parent.title': 'x' } }), ['filter']);
    await createHook(user, { url: receiver.url('/posts'), events: ['records.create:posts'] });
    await createHook(user, { url: receiver.url('/posts-filtered'), events: ['records.create:posts'], filter: { title: { $like: 'keep%' } } });
    await createHook(user, { url: receiver.url('/posts-probe'), events: ['records.create:posts'], filter: { internal: 'x' } });
    const posts = recordsOf(admin, 'posts');
    await posts.add({ title: 'hidden', public: false, internal: 'x' });
    const shown = await posts.add({ title: 'keep me', public: true, internal: 'x' });
    const other = await posts.add({ title: 'other', public: true, internal: 'x' });
    await eventually(() => receiver.on('/posts').length >= 2 && receiver.on('/posts-filtered').length >= 1, 10_000, 'the visible records');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(receiver.on('/posts').map((h) => h.body.record.id).sort(), [shown.id, other.id].sort(), 'the row filter hides the private record');
    const record = receiver.on('/posts').find((h) => h.body.record.id === shown.id)!.body.record;
    assert.equal(record.internal, undefined, 'a field outside the allow-list is left out');
    assert.equal(record.title, 'keep me');
    assert.deepEqual(receiver.on('/posts-filtered').map((h) => h.body.record.id), [shown.id]);
    assert.equal(receiver.on('/posts-probe').length, 0, 'a filter cannot probe a field the owner may not read');
  });

  test('a user\'s webhooks are in their data export (never the secret) and go with the account', async () => {
    const signedIn = await make.user(client(basalt.url));
    const user = client(basalt.url, signedIn.accessToken);
    const hook = await createHook(user, { url: receiver.url('/gdpr'), events: ['records.create:articles'], filter: { status: 'x' } });
    const exported = await user.get('/api/v1/users/me/export');
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(exported.body.webhooks.map((w: any) => [w.id, w.url, w.events, w.filter, w.active]), [[hook.id, receiver.url('/gdpr'), ['records.create:articles'], { status: 'x' }, true]]);
    assert.ok(!exported.text.includes(hook.secret), 'the secret is not exported');
    assert.equal((await user.request('DELETE', '/api/v1/users/me', { body: { password: signedIn.password } })).status, 204);
  });

  test('a redirect to loopback that the allow-list does not cover is refused', async () => {
    const previous = receiver.reply;
    receiver.reply = (hook, index) => (hook.path === '/redirect' ? { status: 307, headers: { location: `http://[::1]:${receiver.port}/redirected` } } : previous(hook, index));
    const hook = await createHook(admin, { url: receiver.url('/redirect'), events: ['records.create:articles'] });
    await recordsOf(admin, 'articles').add({ title: 'redirected' });
    const [dead] = await eventually(async () => {
      const list = await deliveriesOf(admin, hook.id);
      return list[0]?.status === 'dead' && list;
    }, 10_000, 'the delivery refused');
    assert.equal(dead.attempts, 1, 'a refusal is not retried');
    assert.match(dead.attemptLog[0].error, /refused \[?::1\]? \(::1\)/);
    assert.equal(receiver.on('/redirected').length, 0);
  });
});

describe('webhooks: the SSRF guard without an allow-list', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await WebhookReceiver.start();
    env = await createTestEnvironment(FAST_RETRIES);
    basalt = await startBasalt({ env: env.env });
    admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
    await createCollection(admin, { name: 'things', fields: [{ name: 'name', type: 'string' }] });
  });

  after(async () => {
    await basalt?.stop();
    await receiver?.close();
    await env?.cleanup();
  });

  test('loopback and metadata IP addresses are refused when the webhook is created', async () => {
    for (const url of [receiver.url(), 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/x', 'http://10.0.0.1/', 'http://[::ffff:127.0.0.1]/']) {
      const response = await admin.post('/api/v1/webhooks', { url, events: ['records.*:*'] });
      assertInvalid(response, ['url'], url);
    }
  });

  test('a DNS name resolving to loopback is refused at delivery, after resolution, and not retried', async () => {
    const hook = await createHook(admin, { url: `http://localhost:${receiver.port}/dns`, events: ['records.create:things'] });
    await recordsOf(admin, 'things').add({ name: 'x' });
    const [dead] = await eventually(async () => {
      const list = await deliveriesOf(admin, hook.id);
      return list[0]?.status === 'dead' && list;
    }, 10_000, 'the delivery refused');
    assert.equal(dead.attempts, 1);
    assert.equal(dead.attemptLog[0].statusCode, null);
    assert.match(dead.attemptLog[0].error, /refused localhost \((127\.0\.0\.1|::1)\)/);
    assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver');
  });
});

describe('webhooks: Redis stopped during writes, then started', () => {
  let env: TestEnvironment;
  let redis: ScratchRedis;
  let basalt: BasaltProcess;
  let admin: Client;
  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await WebhookReceiver.start();
    redis = await ScratchRedis.start();
    env = await createTestEnvironment({ ...FAST_RETRIES, BASALT_OUTBOUND_ALLOWLIST: '127.0.0.1' });
    basalt = await startBasalt({ env: { ...env.env, REDIS_URL: redis.url } });
    admin = client(basalt.url, (await make.admin(client(basalt.url))).accessToken);
    await createCollection(admin, { name: 'items', fields: [{ name: 'n', type: 'integer' }] });
  });

  after(async () => {
    await basalt?.stop();
    await redis?.stop();
    await receiver?.close();
    await env?.cleanup();
  });

  test('every event is delivered exactly once per webhook', async () => {
    const hooks = [await createHook(admin, { url: receiver.url('/a'), events: ['records.create:items'] }), await createHook(admin, { url: receiver.url('/b'), events: ['records.*:items'] })];
    const items = recordsOf(admin, 'items');
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) ids.push((await items.add({ n })).id);
    // Everything before the outage is out (a Redis that restarts empty would lose queued jobs, not outbox rows).
    await eventually(() => receiver.on('/a').length >= 10 && receiver.on('/b').length >= 10, 15_000, 'deliveries before the outage');

    await redis.stop();
    for (let n = 10; n < 25; n++) ids.push((await items.add({ n })).id);
    await redis.resume();
    for (let n = 25; n < 30; n++) ids.push((await items.add({ n })).id);

    await eventually(() => receiver.on('/a').length >= 30 && receiver.on('/b').length >= 30, 30_000, 'every delivery after Redis came back');
    await new Promise((r) => setTimeout(r, 1000));
    for (const path of ['/a', '/b']) {
      const got = receiver.on(path).map((h) => h.body.record.id);
      assert.equal(got.length, 30, `${path}: exactly once each (${got.length})`);
      assert.deepEqual([...got].sort(), [...ids].sort(), path);
      assert.equal(new Set(receiver.on(path).map((h) => h.body.id)).size, 30, `${path}: 30 distinct events`);
    }
    for (const hook of hooks) assert.ok((await deliveriesOf(admin, hook.id)).every((d) => d.status === 'delivered' && d.attempts === 1));
  });
});
