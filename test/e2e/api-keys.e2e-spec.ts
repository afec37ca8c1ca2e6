import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { assertProblem, createCollection } from '../support/records';

// Two processes cannot share the embedded database (it lives inside one process), so the
// two-node check runs on PostgreSQL and MariaDB; the embedded run covers everything else.
const ONE_NODE_ONLY = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;
const KEY = /^bsk_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/;

type Scope = { collection: string; actions: string[] };

describe('API keys: management, scopes, expiry and revocation on every node', () => {
  let env: TestEnvironment;
  let nodeA: BasaltProcess;
  let nodeB: BasaltProcess | undefined;
  let api: Client;
  let admin: Client;

  /** A client sending the key as X-API-Key (or as a bearer token). */
  const withKey = (base: Client, key: string, asBearer = false) => {
    const headers: Record<string, string> = asBearer ? { authorization: `Bearer ${key}` } : { 'x-api-key': key };
    return {
      get: (path: string) => base.request('GET', path, { headers, token: '' }),
      post: (path: string, body: unknown) => base.request('POST', path, { body, headers, token: '' }),
      patch: (path: string, body: unknown) => base.request('PATCH', path, { body, headers, token: '' }),
      delete: (path: string) => base.request('DELETE', path, { headers, token: '' }),
    };
  };

  async function createKey(owner: Client, scopes: Scope[], extra: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
    const response = await owner.post('/api/v1/api-keys', { name: 'test key', scopes, ...extra });
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  const records = (collection: string) => `/api/v1/collections/${collection}/records`;

  before(async () => {
    env = await createTestEnvironment();
    nodeA = await startBasalt({ env: env.env });
    api = client(nodeA.url);
    if (!ONE_NODE_ONLY) nodeB = await startBasalt({ env: env.env });
    admin = client(nodeA.url, (await make.admin(api)).accessToken);
    for (const name of ['articles', 'notes', 'secrets']) await createCollection(admin, { name, softDelete: true, fields: [{ name: 'title', type: 'string', required: true }] });
  });

  after(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await env?.cleanup();
  });

  test('create shows the key once; list shows own keys without secrets; revoke; administrators see and revoke anyone\'s with ?all=true', async () => {
    const created = await admin.post('/api/v1/api-keys', { name: 'ci', scopes: [{ collection: 'articles', actions: ['read'] }], expiresAt: '2099-01-01T00:00:00Z' });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.key, KEY);
    assert.ok(created.body.key.startsWith(`bsk_${created.body.id}_`));
    assert.equal(created.body.name, 'ci');
    assert.deepEqual(created.body.scopes, [{ collection: 'articles', actions: ['read'] }]);
    assert.equal(created.body.expiresAt, '2099-01-01T00:00:00.000Z');
    assert.equal(created.body.lastUsedAt, null);

    const user = await make.user(api);
    const userApi = client(nodeA.url, user.accessToken);
    const userKey = await createKey(userApi, [{ collection: '*', actions: ['read', 'create', 'update', 'delete'] }]);

    const mine = await admin.get('/api/v1/api-keys');
    assert.equal(mine.status, 200, mine.text);
    const listed = mine.body.data.find((k: { id: string }) => k.id === created.body.id);
    assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'scopes', 'userId']);
    assert.ok(!mine.body.data.some((k: { id: string }) => k.id === userKey.id), 'only the caller\'s own keys');
    assert.ok(!mine.text.includes(created.body.key.split('_').pop()), 'never the secret');
    assert.doesNotMatch(mine.text, /hash|"key"/);
    const theirs = await userApi.get('/api/v1/api-keys');
    assert.deepEqual(theirs.body.data.map((k: { id: string }) => k.id), [userKey.id]);

    assertProblem(await userApi.get('/api/v1/api-keys?all=true'), 403, 'forbidden');
    const everyone = await admin.get('/api/v1/api-keys?all=true');
    assert.ok(everyone.body.data.some((k: { id: string }) => k.id === userKey.id));
    assert.ok(everyone.body.data.some((k: { id: string }) => k.id === created.body.id));

    // Someone else's key is "not found" to a user, and to an administrator without ?all=true.
    assertProblem(await userApi.request('DELETE', `/api/v1/api-keys/${created.body.id}`), 404);
    assertProblem(await admin.request('DELETE', `/api/v1/api-keys/${userKey.id}`), 404);
    assertProblem(await userApi.request('DELETE', `/api/v1/api-keys/${created.body.id}?all=true`), 403);
    assert.equal((await admin.request('DELETE', `/api/v1/api-keys/${userKey.id}?all=true`)).status, 204);
    assert.equal((await userApi.get('/api/v1/api-keys')).body.data.length, 0, 'a revoked key is no longer listed');
    assert.equal((await admin.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status, 204);
    assertProblem(await admin.request('DELETE', `/api/v1/api-keys/${created.body.id}`), 404, undefined, 'revoking twice');
    assertProblem(await withKey(api, created.body.key).get(records('articles')), 401, 'unauthorized');
  });

  test('bad definitions are refused naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'x', scopes: [{ collection: 'articles', actions: ['write'] }] }, 'scopes[0].actions'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: [{ collection: 'Bad Name', actions: ['read'] }] }, 'scopes[0].collection'],
      [{ name: '', scopes: [{ collection: '*', actions: ['read'] }] }, 'name'],
      [{ name: 'x', scopes: [{ collection: '*', actions: ['read'] }], expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
      [{ name: 'x', scopes: [{ collection: '*', actions: ['read'] }], expiresAt: 'tomorrow' }, 'expiresAt'],
    ] as const) {
      const response = await admin.post('/api/v1/api-keys', body);
      assertProblem(response, 400, 'validation-failed', JSON.stringify(body));
      assert.ok(response.body.errors.some((e: { field: string }) => e.field.startsWith(field)), `${field} in ${response.text}`);
    }
    assertProblem(await api.post('/api/v1/api-keys', { name: 'x', scopes: [{ collection: '*', actions: ['read'] }] }), 401);
  });

  test('scopes allow and refuse per action and collection (X-API-Key and Bearer bsk_…); lastUsedAt is recorded', async () => {
    const { id, key } = await createKey(admin, [
      { collection: 'articles', actions: ['read', 'create'] },
      { collection: 'notes', actions: ['read'] },
    ]);
    const k = withKey(api, key);
    const created = await k.post(records('articles'), { title: 'by a machine' });
    assert.equal(created.status, 201, created.text);
    const read = await k.get(records('articles'));
    assert.equal(read.status, 200, read.text);
    assert.ok(read.body.data.some((r: { id: string }) => r.id === created.body.id));
    assert.equal((await k.get(`${records('articles')}/${created.body.id}`)).status, 200);
    assert.equal((await withKey(api, key, true).get(records('articles'))).status, 200, 'as a bearer token');
    assert.equal((await k.get('/api/v1/collections/articles/trash')).status, 200, 'trash is read');

    const refused = async (response: Promise<ApiResponse>, what: string) => {
      const r = await response;
      assertProblem(r, 403, 'api-key-forbidden', what);
    };
    await refused(k.patch(`${records('articles')}/${created.body.id}`, { title: 'changed' }), 'update without the scope');
    await refused(k.delete(`${records('articles')}/${created.body.id}`), 'delete without the scope');
    await refused(k.delete(`/api/v1/collections/articles/trash/${created.body.id}`), 'purge without delete');
    assert.equal((await k.get(records('notes'))).status, 200);
    await refused(k.post(records('notes'), { title: 'no' }), 'create in a read-only collection');
    await refused(k.get(records('secrets')), 'a collection outside the scopes');
    assert.equal((await admin.get(`${records('articles')}/${created.body.id}`)).body.title, 'by a machine', 'nothing changed');

    const listed = (await admin.get('/api/v1/api-keys')).body.data.find((x: { id: string }) => x.id === id);
    assert.ok(listed.lastUsedAt && Date.now() - Date.parse(listed.lastUsedAt) < 60_000, `lastUsedAt: ${JSON.stringify(listed)}`);

    const all = withKey(api, (await createKey(admin, [{ collection: '*', actions: ['read', 'create', 'update', 'delete'] }])).key);
    const r = await all.post(records('secrets'), { title: 'x' });
    assert.equal(r.status, 201, r.text);
    assert.equal((await all.patch(`${records('secrets')}/${r.body.id}`, { title: 'y' })).status, 200);
    assert.equal((await all.delete(`${records('secrets')}/${r.body.id}`)).status, 204);
  });

  test('a batch with one refused operation is refused whole, and nothing is applied', async () => {
    const { key } = await createKey(admin, [{ collection: 'articles', actions: ['create', 'read'] }]);
    const k = withKey(api, key);
    const before = (await admin.get(`${records('articles')}?limit=500`)).body.data.length;
    const ok = await k.post('/api/v1/batch', { operations: [{ action: 'create', collection: 'articles', data: { title: 'batched' } }] });
    assert.equal(ok.status, 200, ok.text);
    const refused = await k.post('/api/v1/batch', {
      operations: [
        { action: 'create', collection: 'articles', data: { title: 'never' } },
        { action: 'create', collection: 'notes', data: { title: 'never' } },
      ],
    });
    assertProblem(refused, 403, 'api-key-forbidden');
    assert.match(refused.body.detail, /operations\[1\]/);
    const deleting = await k.post('/api/v1/batch', { operations: [{ action: 'delete', collection: 'articles', id: ok.body.results[0].record.id }] });
    assertProblem(deleting, 403, 'api-key-forbidden');
    assert.equal((await admin.get(`${records('articles')}?limit=500`)).body.data.length, before + 1, 'only the allowed batch applied');
  });

  test('a key cannot manage collections, users, API keys or sessions', async () => {
    const { key } = await createKey(admin, [{ collection: '*', actions: ['read', 'create', 'update', 'delete'] }]);
    const k = withKey(api, key);
    for (const [what, response] of [
      ['create a collection', k.post('/api/v1/collections', { name: 'byKey', fields: [{ name: 'a', type: 'string' }] })],
      ['list collections', k.get('/api/v1/collections')],
      ['change a collection', k.patch('/api/v1/collections/articles', { fields: [] })],
      ['drop a collection', k.delete('/api/v1/collections/notes')],
      ['list users', k.get('/api/v1/users')],
      ['create a key', k.post('/api/v1/api-keys', { name: 'more', scopes: [{ collection: '*', actions: ['read'] }] })],
      ['list keys', k.get('/api/v1/api-keys')],
      ['me', k.get('/api/v1/auth/me')],
      ['export', k.get('/api/v1/users/me/export')],
      ['erase', k.delete('/api/v1/users/me')],
    ] as const) {
      assertProblem(await response, 403, 'api-key-forbidden', what);
    }
    assert.equal((await admin.get('/api/v1/collections/notes')).status, 200, 'still there');
  });

  test('expired, malformed, unknown and wrong-secret keys get 401', async () => {
    const { key } = await createKey(admin, [{ collection: '*', actions: ['read'] }], { expiresAt: new Date(Date.now() + 1500).toISOString() });
    assert.equal((await withKey(api, key).get(records('articles'))).status, 200);
    await new Promise((r) => setTimeout(r, 1700));
    assertProblem(await withKey(api, key).get(records('articles')), 401, 'unauthorized', 'expired');
    const live = (await createKey(admin, [{ collection: '*', actions: ['read'] }])).key;
    const wrongSecret = live.slice(0, -2) + (live.endsWith('AA') ? 'BB' : 'AA');
    for (const bad of ['junk', 'bsk_nope', wrongSecret, `bsk_${'1'.repeat(8)}-1111-4111-8111-${'1'.repeat(12)}_${'a'.repeat(43)}`]) {
      assertProblem(await withKey(api, bad).get(records('articles')), 401, 'unauthorized', bad);
      assertProblem(await withKey(api, bad, true).get(records('articles')), 401, 'unauthorized', bad);
    }
  });

  test('the key acts as its owner: the owner\'s role applies, and a disabled owner\'s keys get 401', async () => {
    const user = await make.user(api);
    const { key } = await createKey(client(nodeA.url, user.accessToken), [{ collection: '*', actions: ['read'] }]);
    assertProblem(await withKey(api, key).get(records('articles')), 403, 'forbidden', 'records need the admin role');
    assert.equal((await admin.request('PATCH', `/api/v1/users/${user.user.id}`, { body: { role: 'admin' } })).status, 200);
    assert.equal((await withKey(api, key).get(records('articles'))).status, 200, 'promotion applies at once');
    assert.equal((await admin.request('PATCH', `/api/v1/users/${user.user.id}`, { body: { disabled: true } })).status, 200);
    assertProblem(await withKey(api, key).get(records('articles')), 401, 'unauthorized', 'owner disabled');
  });

  test('a revoked key is refused at once on another node', { skip: ONE_NODE_ONLY }, async () => {
    const { id, key } = await createKey(admin, [{ collection: '*', actions: ['read'] }]);
    const b = client(nodeB!.url);
    // Node B has the key cached now.
    for (let i = 0; i < 3; i++) assert.equal((await withKey(b, key).get(records('articles'))).status, 200);
    assert.equal((await admin.request('DELETE', `/api/v1/api-keys/${id}`)).status, 204);
    assertProblem(await withKey(b, key).get(records('articles')), 401, 'unauthorized', 'node B, the very next request');
    assertProblem(await withKey(api, key).get(records('articles')), 401, 'unauthorized', 'node A');
  });
});
