import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make, type SignedIn } from '../support/factories';
import { client, type Client } from '../support/http';
import { assertProblem, createCollection } from '../support/records';

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
    assert.ok(Array.isArray(body.notes));
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
});
