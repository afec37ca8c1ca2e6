import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make, type SignedIn } from '../support/factories';
import { client, type Client } from '../support/http';
import { MISSING_ID, assertInvalid, assertProblem, createCollection, recordsOf } from '../support/records';

// The embedded database lives inside the Basalt process: it cannot be read from the test or shared by two nodes.
const OUTSIDE_DB = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;

/** Runs one query on the test database, outside Basalt (PostgreSQL and MariaDB only). */
async function query(env: TestEnvironment, text: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  if (TEST_DIALECT === 'postgres') {
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    try {
      return (await db.query(text, params)).rows;
    } finally {
      await db.end();
    }
  }
  const db = await mysql.createConnection(env.database.url!);
  try {
    return (await db.query(text.replace(/\$\d+/g, '?'), params))[0] as Record<string, unknown>[];
  } finally {
    await db.end();
  }
}

async function login(api: Client, email: string, password: string): Promise<SignedIn> {
  const response = await api.post('/api/v1/auth/login', { email, password });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

async function newKey(api: Client, token: string): Promise<{ id: string; key: string }> {
  const response = await api.post('/api/v1/api-keys', { name: 'gdpr', scopes: [{ collection: '*', actions: ['read'] }] }, { token });
  assert.equal(response.status, 201, response.text);
  return response.body;
}

describe('GDPR: export and erasure (BASALT_ERASURE_MODE=delete, the default)', () => {
  let env: TestEnvironment;
  let nodeA: BasaltProcess;
  let nodeB: BasaltProcess | undefined;
  let api: Client;
  let nodes: Client[];
  let admin: SignedIn;

  before(async () => {
    env = await createTestEnvironment();
    nodeA = await startBasalt({ env: env.env });
    api = client(nodeA.url);
    if (!OUTSIDE_DB) nodeB = await startBasalt({ env: env.env });
    nodes = nodeB ? [api, client(nodeB.url)] : [api];
    admin = await make.admin(api);
  });

  after(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await env?.cleanup();
  });

  test('GET /users/me/export: everything held about the caller, as an attachment, without secrets', async () => {
    const user = await make.user(api, { name: 'Ada Lovelace' });
    const second = await login(api, user.user.email, user.password);
    const key = await newKey(api, user.accessToken);
    const other = await make.user(api);

    const response = await api.get('/api/v1/users/me/export', { token: second.accessToken });
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="basalt-account-[0-9a-f-]{36}\.json"$/);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = response.body;
    assert.deepEqual(Object.keys(body.account).sort(), ['createdAt', 'disabled', 'email', 'emailVerifiedAt', 'hasPassword', 'id', 'name', 'role', 'updatedAt']);
    assert.equal(body.account.id, user.user.id);
    assert.equal(body.account.email, user.user.email);
    assert.equal(body.account.name, 'Ada Lovelace');
    assert.equal(body.account.role, 'user');
    assert.equal(body.account.hasPassword, true);
    assert.equal(body.sessions.length, 2);
    assert.ok(body.sessions.every((s: { ip: string; userAgent: unknown }) => 'ip' in s && 'userAgent' in s));
    assert.deepEqual(body.identities, []);
    assert.deepEqual(body.apiKeys.map((k: { id: string }) => k.id), [key.id]);
    assert.equal(body.mfa?.enabled, false, 'the MFA flag (the user_mfa table exists)');
    assert.deepEqual(body.emailTokens.map((t: { purpose: string }) => t.purpose), ['verify-email']);
    assert.deepEqual(body.schemaEvents, []);
    assert.equal(typeof body.collections, 'object', 'records by collection (none owned here)');
    assert.ok(Object.values(body.collections).every((c: any) => c.records.length === 0));
    // Never a hash or a secret, nothing about anyone else.
    assert.ok(!response.text.includes(key.key.split('_').pop()!));
    assert.doesNotMatch(response.text, /argon2|hash|refresh/i);
    assert.ok(!response.text.includes(other.user.email));

    // Schema events the caller authored.
    const adminApi = client(nodeA.url, admin.accessToken);
    await createCollection(adminApi, { name: 'gdpr_things', fields: [{ name: 'a', type: 'string' }] });
    const adminExport = await adminApi.get('/api/v1/users/me/export');
    assert.ok(adminExport.body.schemaEvents.some((e: { collection: string; action: string }) => e.collection === 'gdpr_things' && e.action === 'create'), adminExport.text);
    assertProblem(await api.get('/api/v1/users/me/export'), 401);
  });

  test('DELETE /users/me needs the password; wrong or missing → 400 naming it, nothing erased', async () => {
    const user = await make.user(api);
    assertProblem(await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: { password: 'not-the-password' } }), 400, 'wrong-password');
    const missing = await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: {} });
    assertProblem(missing, 400, 'wrong-password');
    assert.deepEqual(missing.body.errors.map((e: { field: string }) => e.field), ['password']);
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).status, 200, 'still there');
  });

  test('erasure deletes the account and everything linked; every token dies at once on every node; the erasure is recorded', async () => {
    const user = await make.user(api, { name: 'Grace' });
    const second = await login(api, user.user.email, user.password);
    const key = await newKey(api, user.accessToken);
    const keyHeaders = { 'x-api-key': key.key };
    // Warm every node's caches: the tokens and the key were accepted before the erasure.
    for (const node of nodes) {
      assert.equal((await node.get('/api/v1/auth/me', { token: second.accessToken })).status, 200);
      assertProblem(await node.get('/api/v1/collections/x/records', { headers: keyHeaders }), 403, 'forbidden', 'a user\'s key reaches the guard');
    }

    const erased = await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: { password: user.password } });
    assert.equal(erased.status, 204, erased.text);

    for (const [i, node] of nodes.entries()) {
      for (const session of [user, second]) assertProblem(await node.get('/api/v1/auth/me', { token: session.accessToken }), 401, 'unauthorized', `node ${i}`);
      assertProblem(await node.get('/api/v1/collections/x/records', { headers: keyHeaders }), 401, 'unauthorized', `node ${i}: the API key`);
    }
    for (const session of [user, second]) assertProblem(await api.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken }), 401);
    assertProblem(await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password }), 401, 'invalid-credentials');
    const adminApi = client(nodeA.url, admin.accessToken);
    assertProblem(await adminApi.get(`/api/v1/users/${user.user.id}`), 404);
    // The address is free again.
    assert.equal((await api.post('/api/v1/auth/register', { email: user.user.email, password: 'another-long-password' })).status, 201);

    if (!OUTSIDE_DB) {
      const erasures = await query(env, 'SELECT user_id, mode, reason, erased_at FROM account_erasures WHERE user_id = $1', [user.user.id]);
      assert.equal(erasures.length, 1);
      assert.equal(erasures[0].mode, 'delete');
      assert.equal(erasures[0].reason, 'self-service');
      for (const table of ['sessions', 'api_keys', 'account_tokens', 'identities']) {
        assert.deepEqual(await query(env, `SELECT 1 FROM ${table} WHERE user_id = $1`, [user.user.id]), [], table);
      }
      assert.deepEqual(await query(env, 'SELECT 1 FROM users WHERE id = $1', [user.user.id]), []);
    }
  });

  test('ownerField: must name an optional uuid field of the collection; 400 naming it, nothing created or changed', async () => {
    const adminApi = client(nodeA.url, admin.accessToken);
    const fields = [
      { name: 'title', type: 'string' },
      { name: 'owner_id', type: 'uuid' },
      { name: 'must_owner', type: 'uuid', required: true },
    ];
    for (const ownerField of ['missing', 'title', 'must_owner', '', 'id']) {
      const refused = await adminApi.post('/api/v1/collections', { name: 'gdpr_bad_owner', fields, ownerField });
      assertInvalid(refused, ['ownerField'], ownerField);
    }
    assertInvalid(await adminApi.post('/api/v1/collections', { name: 'gdpr_bad_owner', fields, ownerField: 7 }), ['ownerField']);
    assertProblem(await adminApi.get('/api/v1/collections/gdpr_bad_owner'), 404);

    await createCollection(adminApi, { name: 'gdpr_later', fields });
    const created = await adminApi.get('/api/v1/collections/gdpr_later');
    assert.equal(created.body.ownerField, null);
    // Setting it later is a versioned, recorded schema change with no DDL: records keep working.
    const set = await adminApi.request('PATCH', '/api/v1/collections/gdpr_later', { body: { fields, ownerField: 'owner_id' } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.ownerField, 'owner_id');
    assert.equal(set.body.version, created.body.version + 1);
    const history = await adminApi.get('/api/v1/collections/gdpr_later/history');
    assert.deepEqual(history.body.data.at(-1).changes, [{ kind: 'owner-field', ownerField: 'owner_id' }]);
    assert.equal((await recordsOf(adminApi, 'gdpr_later').create({ title: 'x', owner_id: MISSING_ID, must_owner: MISSING_ID })).status, 201);
    // Dropping the owner field while ownerField still names it is refused; the collection is unchanged.
    assertInvalid(await adminApi.request('PATCH', '/api/v1/collections/gdpr_later', { body: { fields: fields.filter((f) => f.name !== 'owner_id'), ownerField: 'owner_id' } }), ['ownerField']);
    assert.equal((await adminApi.get('/api/v1/collections/gdpr_later')).body.version, set.body.version);
  });

  test('export includes every record the user owns in every collection with an ownerField, trashed ones too, and nobody else\'s', async () => {
    const adminApi = client(nodeA.url, admin.accessToken);
    await createCollection(adminApi, {
      name: 'gdpr_notes',
      softDelete: true,
      ownerField: 'author',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'pinned', type: 'boolean' },
        { name: 'meta', type: 'json' },
        { name: 'author', type: 'uuid' },
      ],
    });
    await createCollection(adminApi, { name: 'gdpr_plain', fields: [{ name: 'who', type: 'uuid' }] });
    const user = await make.user(api);
    const other = await make.user(api);
    const notes = recordsOf(adminApi, 'gdpr_notes');
    const kept = await notes.add({ title: 'mine', pinned: true, meta: { a: [1] }, author: user.user.id });
    const trashed = await notes.add({ title: 'binned', author: user.user.id });
    assert.equal((await notes.delete(trashed.id)).status, 204);
    await notes.add({ title: 'theirs', author: other.user.id });
    await recordsOf(adminApi, 'gdpr_plain').add({ who: user.user.id });

    const exported = await api.get('/api/v1/users/me/export', { token: user.accessToken });
    assert.equal(exported.status, 200, exported.text);
    assert.equal(exported.body.collections.gdpr_plain, undefined, 'no ownerField, not covered');
    const mine = exported.body.collections.gdpr_notes;
    assert.equal(mine.ownerField, 'author');
    assert.deepEqual(mine.records.map((r: { id: string }) => r.id), [kept.id, trashed.id]);
    // Shaped as the records API shapes them.
    assert.deepEqual({ ...mine.records[0], deleted_at: undefined }, { ...kept, deleted_at: undefined });
    assert.equal(mine.records[0].pinned, true);
    assert.deepEqual(mine.records[0].meta, { a: [1] });
    assert.equal(mine.records[0].deleted_at, null);
    assert.ok(mine.records[1].deleted_at, 'the trashed record, with when it was trashed');
    assert.ok(!exported.text.includes('theirs'));
  });

  test('erasure deletes the owned records in the same transaction and records how many; others\' records and unowned collections stay', async () => {
    const adminApi = client(nodeA.url, admin.accessToken);
    await createCollection(adminApi, { name: 'gdpr_lists', ownerField: 'owner_id', fields: [{ name: 'name', type: 'string' }, { name: 'owner_id', type: 'uuid' }] });
    await createCollection(adminApi, {
      name: 'gdpr_items',
      ownerField: 'owner_id',
      softDelete: true,
      fields: [
        { name: 'label', type: 'string' },
        { name: 'owner_id', type: 'uuid' },
        // The user's own items point to the user's own lists with restrict: erasure orders itself around that.
        { name: 'list', type: 'relation', target: 'gdpr_lists', onDelete: 'restrict' },
      ],
    });
    const user = await make.user(api);
    const other = await make.user(api);
    const lists = recordsOf(adminApi, 'gdpr_lists');
    const items = recordsOf(adminApi, 'gdpr_items');
    const list = await lists.add({ name: 'groceries', owner_id: user.user.id });
    const theirList = await lists.add({ name: 'theirs', owner_id: other.user.id });
    const item = await items.add({ label: 'milk', owner_id: user.user.id, list: list.id });
    const trashedItem = await items.add({ label: 'eggs', owner_id: user.user.id, list: list.id });
    assert.equal((await items.delete(trashedItem.id)).status, 204);
    const theirItem = await items.add({ label: 'bread', owner_id: other.user.id, list: theirList.id });

    assert.equal((await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: { password: user.password } })).status, 204);
    assertProblem(await lists.get(list.id), 404);
    assertProblem(await items.get(item.id), 404);
    assert.deepEqual((await adminApi.get('/api/v1/collections/gdpr_items/trash')).body.data.filter((r: { id: string }) => r.id === trashedItem.id), [], 'gone from the trash too');
    assert.equal((await lists.get(theirList.id)).status, 200);
    assert.equal((await items.get(theirItem.id)).status, 200);
    if (!OUTSIDE_DB) {
      const [erasure] = await query(env, 'SELECT records FROM account_erasures WHERE user_id = $1', [user.user.id]);
      const recorded = JSON.parse(String(erasure.records)).sort((a: { collection: string }, b: { collection: string }) => a.collection.localeCompare(b.collection));
      assert.deepEqual(recorded, [
        { collection: 'gdpr_items', action: 'deleted', count: 2 },
        { collection: 'gdpr_lists', action: 'deleted', count: 1 },
      ]);
      // Webhooks, realtime and caches hear of the erased records like any other delete, with no actor named (the admin trashed one earlier).
      const events = await query(env, "SELECT type, record_id, actor_id FROM outbox_events WHERE collection IN ('gdpr_lists', 'gdpr_items') AND type IN ('records.delete', 'records.purge') AND actor_id IS NULL", []);
      assert.deepEqual(
        events.map((e) => [e.type, e.record_id, e.actor_id]).sort(),
        [
          ['records.delete', item.id, null],
          ['records.delete', list.id, null],
          ['records.purge', trashedItem.id, null],
        ].sort(),
      );
    }
  });

  test('a record of someone else that points to an owned record with onDelete restrict stops the erasure: 409, nothing erased', async () => {
    const adminApi = client(nodeA.url, admin.accessToken);
    await createCollection(adminApi, { name: 'gdpr_docs', ownerField: 'owner_id', fields: [{ name: 'owner_id', type: 'uuid' }] });
    await createCollection(adminApi, { name: 'gdpr_refs', fields: [{ name: 'doc', type: 'relation', target: 'gdpr_docs', onDelete: 'restrict' }] });
    const user = await make.user(api);
    const doc = await recordsOf(adminApi, 'gdpr_docs').add({ owner_id: user.user.id });
    await recordsOf(adminApi, 'gdpr_refs').add({ doc: doc.id });
    const refused = await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: { password: user.password } });
    assertProblem(refused, 409, 'conflict');
    assert.match(refused.body.detail, /gdpr_docs/);
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).status, 200, 'the account is untouched');
    assert.equal((await recordsOf(adminApi, 'gdpr_docs').get(doc.id)).status, 200, 'and so are its records');
  });

  test('the only administrator cannot erase their account (409)', async () => {
    assertProblem(await api.request('DELETE', '/api/v1/users/me', { token: admin.accessToken, body: { password: 'admin-password-1' } }), 409);
    assert.equal((await api.get('/api/v1/auth/me', { token: admin.accessToken })).status, 200);
  });
});

describe('GDPR: erasure with BASALT_ERASURE_MODE=anonymise', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;

  before(async () => {
    env = await createTestEnvironment({ BASALT_ERASURE_MODE: 'anonymise' });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('the account row stays, anonymised and disabled; everything linked is deleted; tokens die', async () => {
    const admin = client(basalt.url, (await make.admin(api)).accessToken);
    const user = await make.user(api, { name: 'Linus' });
    const key = await newKey(api, user.accessToken);
    assert.equal((await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: { password: user.password } })).status, 204);

    const row = await admin.get(`/api/v1/users/${user.user.id}`);
    assert.equal(row.status, 200, row.text);
    assert.equal(row.body.email, `deleted-${user.user.id}@invalid`);
    assert.equal(row.body.name, null);
    assert.equal(row.body.disabled, true);
    assert.equal(row.body.emailVerified, false);
    assertProblem(await api.get('/api/v1/auth/me', { token: user.accessToken }), 401);
    assertProblem(await api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken }), 401);
    assertProblem(await api.get('/api/v1/collections/x/records', { headers: { 'x-api-key': key.key } }), 401);
    assertProblem(await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password }), 401);
    assert.equal((await api.post('/api/v1/auth/register', { email: user.user.email, password: 'another-long-password' })).status, 201, 'the address is free');

    if (!OUTSIDE_DB) {
      const erasures = await query(env, 'SELECT mode FROM account_erasures WHERE user_id = $1', [user.user.id]);
      assert.deepEqual(erasures.map((e) => e.mode), ['anonymise']);
      assert.deepEqual(await query(env, 'SELECT 1 FROM sessions WHERE user_id = $1', [user.user.id]), []);
      assert.deepEqual(await query(env, 'SELECT 1 FROM api_keys WHERE user_id = $1', [user.user.id]), []);
      const users = await query(env, 'SELECT password_hash FROM users WHERE id = $1', [user.user.id]);
      assert.equal(users[0].password_hash, null);
    }
  });

  test('anonymise: owned records stay with their owner field set to null and a new ETag; the erasure records it', async () => {
    const admin = client(basalt.url, (await make.admin(api)).accessToken);
    await createCollection(admin, { name: 'gdpr_posts', ownerField: 'author', fields: [{ name: 'body', type: 'text' }, { name: 'author', type: 'uuid' }] });
    const user = await make.user(api);
    const other = await make.user(api);
    const posts = recordsOf(admin, 'gdpr_posts');
    const mine = await posts.add({ body: 'hello', author: user.user.id });
    const theirs = await posts.add({ body: 'hi', author: other.user.id });
    const etag = (await posts.get(mine.id)).headers.get('etag');
    assert.equal((await api.request('DELETE', '/api/v1/users/me', { token: user.accessToken, body: { password: user.password } })).status, 204);
    const after = await posts.get(mine.id);
    assert.equal(after.status, 200);
    assert.equal(after.body.author, null);
    assert.equal(after.body.body, 'hello');
    assert.notEqual(after.headers.get('etag'), etag);
    assert.equal((await posts.get(theirs.id)).body.author, other.user.id);
    if (!OUTSIDE_DB) {
      const [erasure] = await query(env, 'SELECT records FROM account_erasures WHERE user_id = $1', [user.user.id]);
      assert.deepEqual(JSON.parse(String(erasure.records)), [{ collection: 'gdpr_posts', action: 'anonymised', count: 1 }]);
      const [event] = await query(env, "SELECT record_id, actor_id, data FROM outbox_events WHERE collection = 'gdpr_posts' AND type = 'records.update'", []);
      assert.equal(event.record_id, mine.id);
      assert.equal(event.actor_id, null);
      assert.deepEqual(typeof event.data === 'string' ? JSON.parse(event.data) : event.data, after.body, 'the event carries the record as the API shows it');
    }
  });
});
