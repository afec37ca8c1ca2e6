import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { createCollection, recordsOf, sleep, type Rec, type Records } from '../support/records';
import { ScratchRedis } from '../support/redis-server';

const CROSS_NODE_SKIP = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;

/**
 * BASALT_CACHE on: lists and reader gets come from Redis until a write, a
 * permission change or a schema change makes them stale, on this node or
 * another; one caller never receives an answer cached for a caller who may
 * see other records.
 */
describe('read cache', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let admin: Client;
  let adminToken: string;
  let userA: Client;
  let userB: Client;
  let idA: string;
  let idB: string;
  let notes: Records;
  let authors: Records;
  let ownRule: string;

  before(async () => {
    env = await createTestEnvironment({ BASALT_CACHE: 'true', BASALT_CACHE_TTL_MS: '600000' });
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    adminToken = (await make.admin(api)).accessToken;
    admin = client(basalt.url, adminToken);
    const a = await make.user(api);
    const b = await make.user(api);
    idA = a.user.id;
    idB = b.user.id;
    userA = client(basalt.url, a.accessToken);
    userB = client(basalt.url, b.accessToken);
    await createCollection(admin, { name: 'authors', fields: [{ name: 'name', type: 'string', required: true }] });
    await createCollection(admin, {
      name: 'notes',
      softDelete: true,
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'owner', type: 'uuid' },
        { name: 'author', type: 'relation', target: 'authors', onDelete: 'set-null' },
      ],
    });
    await createCollection(admin, { name: 'events', fields: [{ name: 'title', type: 'string', required: true }] });
    const rules = [
      { role: 'user', collection: 'notes', action: 'read', rowFilter: { owner: { $eq: '$user.id' } } },
      { role: 'user', collection: 'authors', action: 'read' },
      { role: 'user', collection: 'events', action: 'read', rowFilter: { created_at: { $lte: '$now' } } },
    ];
    for (const body of rules) {
      const response = await admin.post('/api/v1/permissions', body);
      assert.equal(response.status, 201, response.text);
      if (body.collection === 'notes') ownRule = response.body.id;
    }
    notes = recordsOf(admin, 'notes');
    authors = recordsOf(admin, 'authors');
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  const titles = (response: ApiResponse) => (response.body.data as Rec[]).map((r) => r.title as string).sort();

  /** Lists twice: the second answer must come from the cache and equal the first. */
  async function warm(records: Records, params: Record<string, unknown> = {}): Promise<ApiResponse> {
    const first = await records.list(params);
    assert.equal(first.status, 200, first.text);
    const second = await records.list(params);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.headers.get('x-cache'), 'hit', `second list of ${records.path} ${JSON.stringify(params)}`);
    assert.equal(second.text, first.text);
    assert.equal(second.headers.get('etag'), first.headers.get('etag'));
    return second;
  }

  test('a repeated list is a hit, whatever the parameter order, and If-None-Match still answers 304', async () => {
    await notes.add({ title: 'first' });
    const miss = await notes.list({ sort: 'title', limit: 5 });
    assert.equal(miss.headers.get('x-cache'), 'miss');
    const hit = await admin.get(`${notes.path}?limit=5&sort=title`);
    assert.equal(hit.headers.get('x-cache'), 'hit');
    assert.equal(hit.text, miss.text);
    const notModified = await admin.get(`${notes.path}?limit=5&sort=title`, { headers: { 'if-none-match': miss.headers.get('etag')! } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.get('x-cache'), 'hit');
    assert.equal(notModified.text, '');
    const other = await notes.list({ sort: 'title', limit: 6 });
    assert.equal(other.headers.get('x-cache'), 'miss', 'another query is another entry');
  });

  test('create, update, delete, restore and batch writes each make the next read see them', async () => {
    await warm(notes);
    const created = await notes.add({ title: 'created' });
    let after = await notes.list();
    assert.equal(after.headers.get('x-cache'), 'miss');
    assert.ok(titles(after).includes('created'));

    await warm(notes);
    assert.equal((await notes.patch(created.id, { title: 'updated' })).status, 200);
    after = await notes.list();
    assert.ok(titles(after).includes('updated') && !titles(after).includes('created'), after.text);

    await warm(notes);
    assert.equal((await notes.delete(created.id)).status, 204);
    assert.ok(!titles(await notes.list()).includes('updated'));

    await warm(notes);
    const restored = await admin.post(`/api/v1/collections/notes/trash/${created.id}/restore`);
    assert.equal(restored.status, 200, restored.text);
    assert.ok(titles(await notes.list()).includes('updated'));

    await warm(notes);
    const batch = await admin.post('/api/v1/batch', { operations: [{ action: 'create', collection: 'notes', data: { title: 'batched' } }] });
    assert.equal(batch.status, 200, batch.text);
    assert.ok(titles(await notes.list()).includes('batched'));

    await warm(notes);
    const bulk = await notes.create([{ title: 'bulk 1' }, { title: 'bulk 2' }]);
    assert.equal(bulk.status, 201, bulk.text);
    assert.ok(titles(await notes.list()).includes('bulk 2'));
  });

  test('a get with fields is cached and sees an update at once', async () => {
    const note = await notes.add({ title: 'single' });
    const path = `${notes.path}/${note.id}?fields=title,updated_at`;
    const first = await admin.get(path);
    assert.equal(first.status, 200, first.text);
    const second = await admin.get(path);
    assert.equal(second.headers.get('x-cache'), 'hit');
    assert.equal(second.headers.get('etag'), first.headers.get('etag'), 'the ETag is the record version, cached or not');
    assert.equal((await notes.patch(note.id, { title: 'single, changed' })).status, 200);
    const changed = await admin.get(path);
    assert.equal(changed.body.title, 'single, changed');
    assert.notEqual(changed.headers.get('etag'), first.headers.get('etag'));
  });

  test('a user whose row filter names $user.id never receives another user’s cached list', async () => {
    await notes.add({ title: 'of A', owner: idA });
    await notes.add({ title: 'of B', owner: idB });
    const mineA = await warm(recordsOf(userA, 'notes'));
    const mineB = await warm(recordsOf(userB, 'notes'));
    assert.deepEqual(titles(mineA), ['of A']);
    assert.deepEqual(titles(mineB), ['of B']);
    // The same request again, each from the cache, each their own.
    assert.deepEqual(titles(await recordsOf(userA, 'notes').list()), ['of A']);
    assert.deepEqual(titles(await recordsOf(userB, 'notes').list()), ['of B']);
    assert.equal((await client(basalt.url).get(notes.path)).status, 403, 'anonymous callers may not read notes, cache or not');
  });

  test('API keys read with their owner’s visibility and their scopes still apply to cached answers', async () => {
    const key = async (collection: string) => {
      const created = await userA.post('/api/v1/api-keys', { name: `cache ${collection}`, scopes: [{ collection, actions: ['read'] }] });
      assert.equal(created.status, 201, created.text);
      return client(basalt.url).get(notes.path, { headers: { 'x-api-key': created.body.key } });
    };
    await warm(recordsOf(userA, 'notes'));
    const scoped = await key('notes');
    assert.equal(scoped.status, 200, scoped.text);
    assert.equal(scoped.headers.get('x-cache'), 'hit', 'the owner’s cached answer');
    assert.deepEqual(titles(scoped), ['of A']);
    const elsewhere = await key('authors');
    assert.equal(elsewhere.status, 403, 'a key without a notes scope is refused before any cache');
  });

  test('a permission change applies to the next read', async () => {
    const mine = recordsOf(userA, 'notes');
    await warm(mine);
    const opened = await admin.request('PATCH', `/api/v1/permissions/${ownRule}`, { body: { rowFilter: null } });
    assert.equal(opened.status, 200, opened.text);
    const all = await mine.list();
    assert.equal(all.headers.get('x-cache'), 'miss');
    assert.ok(titles(all).includes('of B'), 'after the rule opened up, A reads B’s note too');
    const closed = await admin.request('PATCH', `/api/v1/permissions/${ownRule}`, { body: { rowFilter: { owner: { $eq: '$user.id' } } } });
    assert.equal(closed.status, 200, closed.text);
    assert.deepEqual(titles(await mine.list()), ['of A']);
  });

  test('an answer under a row filter that names $now is not cached', async () => {
    await recordsOf(admin, 'events').add({ title: 'launch' });
    const events = recordsOf(userA, 'events');
    for (let i = 0; i < 2; i++) {
      const response = await events.list();
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get('x-cache'), 'bypass');
    }
  });

  test('expansions see writes to the expanded collection', async () => {
    const author = await authors.add({ name: 'Ada' });
    await notes.add({ title: 'with author', author: author.id });
    const params = { expand: 'author', filter: { title: 'with author' } };
    const warmed = await warm(notes, params);
    assert.equal((warmed.body.data as Rec[])[0].author.name, 'Ada');
    assert.equal((await authors.patch(author.id, { name: 'Ada L.' })).status, 200);
    const changed = await notes.list(params);
    assert.equal(changed.headers.get('x-cache'), 'miss');
    assert.equal((changed.body.data as Rec[])[0].author.name, 'Ada L.');
  });

  test('a schema change applies to the next read', async () => {
    await warm(notes);
    const renamed = await admin.request('PATCH', '/api/v1/collections/notes', {
      body: {
        fields: [
          { name: 'heading', type: 'string', required: true, renamedFrom: 'title' },
          { name: 'owner', type: 'uuid' },
          { name: 'author', type: 'relation', target: 'authors', onDelete: 'set-null' },
        ],
      },
    });
    assert.equal(renamed.status, 200, renamed.text);
    const after = await notes.list();
    assert.equal(after.status, 200, after.text);
    assert.equal(after.headers.get('x-cache'), 'miss');
    const first = (after.body.data as Rec[])[0];
    assert.ok('heading' in first && !('title' in first), after.text.slice(0, 300));
  });

  test('hits and misses are counted in the metrics', async () => {
    const metrics = await client(basalt.url).get('/metrics');
    assert.equal(metrics.status, 200);
    const count = (result: string) => Number(new RegExp(`^basalt_cache_requests_total\\{collection="notes",result="${result}"\\} (\\d+)`, 'm').exec(metrics.text)?.[1] ?? 0);
    assert.ok(count('hit') > 0 && count('miss') > 0, metrics.text.split('\n').filter((line) => line.includes('cache')).join('\n'));
    assert.match(metrics.text, /^basalt_cache_requests_total\{collection="events",result="bypass"\} [1-9]/m);
    assert.match(metrics.text, /^basalt_cache_invalidations_total\{source="write"\} [1-9]/m);
  });

  describe('two nodes on one database and Redis', { skip: CROSS_NODE_SKIP }, () => {
    let second: BasaltProcess;

    before(async () => {
      second = await startBasalt({ env: env.env });
    });

    after(async () => {
      await second?.stop();
    });

    test('a write on one node is seen by the next read on the other, both ways', async () => {
      await createCollection(admin, { name: 'shared', fields: [{ name: 'title', type: 'string', required: true }] });
      const here = recordsOf(admin, 'shared');
      const there = recordsOf(client(second.url, adminToken), 'shared');
      await here.add({ title: 'one' });
      await warm(there);
      await warm(here);
      await here.add({ title: 'two' });
      assert.deepEqual(titles(await there.list()), ['one', 'two'], 'the other node');
      await warm(there);
      await warm(here);
      await there.add({ title: 'three' });
      assert.deepEqual(titles(await here.list()), ['one', 'three', 'two'], 'this node');
      assert.deepEqual(titles(await there.list()), ['one', 'three', 'two'], 'the writing node');
    });
  });

  test('account erasure: the owned records it deletes leave the cache at once', async () => {
    const api = client(basalt.url);
    await createCollection(admin, { name: 'diaries', ownerField: 'owner', fields: [{ name: 'title', type: 'string', required: true }, { name: 'owner', type: 'uuid' }] });
    const leaving = await make.user(api);
    const diaries = recordsOf(admin, 'diaries');
    await diaries.add({ title: 'mine', owner: leaving.user.id });
    await diaries.add({ title: 'someone else', owner: idA });
    assert.deepEqual(titles(await warm(diaries)), ['mine', 'someone else']);
    assert.equal((await api.request('DELETE', '/api/v1/users/me', { token: leaving.accessToken, body: { password: leaving.password } })).status, 204);
    const afterErasure = await diaries.list({});
    assert.equal(afterErasure.headers.get('x-cache'), 'miss');
    assert.deepEqual(titles(afterErasure), ['someone else']);
  });
});

describe('read cache while Redis is away', () => {
  let env: TestEnvironment;
  let redis: ScratchRedis;
  let basalt: BasaltProcess;
  let items: Records;

  before(async () => {
    redis = await ScratchRedis.start();
    env = await createTestEnvironment({ BASALT_CACHE: 'true', REDIS_URL: redis.url });
    basalt = await startBasalt({ env: env.env });
    const api = client(basalt.url);
    const admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, { name: 'items', fields: [{ name: 'title', type: 'string', required: true }] });
    items = recordsOf(admin, 'items');
  });

  after(async () => {
    await basalt?.stop();
    await redis?.stop();
    await env?.cleanup();
  });

  /** Lists until the answer comes from where `source` says (the cache client reconnects in the background). */
  async function listUntil(source: string): Promise<ApiResponse> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await items.list();
      assert.equal(response.status, 200, response.text);
      if (response.headers.get('x-cache') === source || Date.now() > deadline) return response;
      await sleep(100);
    }
  }

  test('reads and writes go on from the database, correct, and the cache serves again once Redis is back', async () => {
    await items.add({ title: 'before' });
    assert.equal((await listUntil('hit')).headers.get('x-cache'), 'hit');
    await redis.stop();
    const created = await items.create({ title: 'while away' });
    assert.equal(created.status, 201, created.text);
    const away = await items.list();
    assert.equal(away.status, 200, away.text);
    assert.equal(away.headers.get('x-cache'), 'miss');
    assert.deepEqual((away.body.data as Rec[]).map((r) => r.title).sort(), ['before', 'while away']);
    await redis.resume();
    const back = await listUntil('hit');
    assert.equal(back.headers.get('x-cache'), 'hit');
    assert.deepEqual((back.body.data as Rec[]).map((r) => r.title).sort(), ['before', 'while away']);
  });
});
