import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make, type SignedIn } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';

// Two processes cannot share the embedded database (it lives inside one process), so the
// two-node checks run on PostgreSQL and MariaDB; the embedded run covers everything else.
const ONE_NODE_ONLY = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;

const me = (api: Client, token: string) => api.get('/api/v1/auth/me', { token });
const refresh = (api: Client, refreshToken: string) => api.post('/api/v1/auth/refresh', { refreshToken });

async function login(api: Client, email: string, password: string, userAgent = 'test-agent'): Promise<SignedIn> {
  const response = await api.post('/api/v1/auth/login', { email, password }, { headers: { 'user-agent': userAgent } });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

function assertRefused(response: ApiResponse, context: string): void {
  assert.equal(response.status, 401, `${context}: expected 401, got ${response.status} ${response.text}`);
  assert.equal(response.body.type, 'urn:basalt:problem:unauthorized', context);
}

function assertNames(response: ApiResponse, status: number, field: string, context = ''): void {
  assert.equal(response.status, status, `${context}: ${response.text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const fields = (response.body.errors ?? []).map((e: { field: string }) => e.field);
  assert.ok(fields.includes(field), `${context}: errors should name ${field}: ${response.text}`);
}

/** Runs one statement on the test database, outside Basalt (PostgreSQL and MariaDB only). */
async function sql(env: TestEnvironment, statement: { postgres: string; mysql: string }, params: unknown[]): Promise<void> {
  if (TEST_DIALECT === 'postgres') {
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    try {
      await db.query(statement.postgres, params);
    } finally {
      await db.end();
    }
  } else {
    const db = await mysql.createConnection(env.database.url!);
    try {
      await db.query(statement.mysql, params);
    } finally {
      await db.end();
    }
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen within ${timeoutMs} ms`);
}

describe('sessions: logout, listing, password change, disabling — on every node at once', () => {
  let env: TestEnvironment;
  let nodeA: BasaltProcess;
  let nodeB: BasaltProcess | undefined;
  let a: Client;
  let b: Client | undefined;
  /** Every node: a revoked token must be refused on each. */
  let nodes: Client[];

  before(async () => {
    env = await createTestEnvironment();
    nodeA = await startBasalt({ env: env.env });
    a = client(nodeA.url);
    if (!ONE_NODE_ONLY) {
      nodeB = await startBasalt({ env: env.env });
      b = client(nodeB.url);
    }
    nodes = b ? [a, b] : [a];
  });

  after(async () => {
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await env?.cleanup();
  });

  test('GET /auth/sessions lists the caller\'s live sessions and marks the current one', async () => {
    const user = await make.user(a);
    const phone = await login(a, user.user.email, user.password, 'Phone/1.0');
    const laptop = await login(a, user.user.email, user.password, 'Laptop/2.0');
    const other = await make.user(a);

    const listed = await a.get('/api/v1/auth/sessions', { token: laptop.accessToken });
    assert.equal(listed.status, 200, listed.text);
    const sessions = listed.body.data as { id: string; current: boolean; userAgent: string; ip: string; createdAt: string; lastUsedAt: string; expiresAt: string }[];
    assert.equal(sessions.length, 3, 'register, phone and laptop');
    assert.deepEqual(sessions.filter((s) => s.current).map((s) => s.userAgent), ['Laptop/2.0']);
    assert.ok(sessions.some((s) => s.userAgent === 'Phone/1.0' && !s.current));
    for (const s of sessions) {
      assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastUsedAt', 'userAgent']);
      assert.ok(Date.parse(s.expiresAt) > Date.now());
      assert.ok(s.ip);
    }
    assert.doesNotMatch(listed.text, /hash|refresh/i);
    const others = await a.get('/api/v1/auth/sessions', { token: other.accessToken });
    assert.equal(others.body.data.length, 1, 'only one\'s own sessions');
    assert.equal((await a.get('/api/v1/auth/sessions')).status, 401);

    // After a logout the session is no longer listed.
    assert.equal((await a.post('/api/v1/auth/logout', undefined, { token: phone.accessToken })).status, 204);
    const after = await a.get('/api/v1/auth/sessions', { token: laptop.accessToken });
    assert.equal(after.body.data.length, 2);
    assert.ok(!after.body.data.some((s: { userAgent: string }) => s.userAgent === 'Phone/1.0'));
  });

  test('logout ends the caller\'s session at once on every node; other sessions live on', async () => {
    const user = await make.user(a);
    const second = await login(a, user.user.email, user.password);
    for (const api of nodes) assert.equal((await me(api, user.accessToken)).status, 200);

    const out = await a.post('/api/v1/auth/logout', undefined, { token: user.accessToken });
    assert.equal(out.status, 204, out.text);
    assert.equal(out.text, '');
    // The very next request, on each node.
    for (const [i, api] of nodes.entries()) assertRefused(await me(api, user.accessToken), `node ${i} after logout`);
    assert.equal((await refresh(a, user.refreshToken)).status, 401, 'its refresh token is dead too');
    assertRefused(await a.post('/api/v1/auth/logout', undefined, { token: user.accessToken }), 'logging out twice');
    for (const api of nodes) assert.equal((await me(api, second.accessToken)).status, 200, 'the other session is untouched');
  });

  test('logout-all ends every session of the caller, on every node', async () => {
    const user = await make.user(a);
    const more = [await login(a, user.user.email, user.password), await login(a, user.user.email, user.password)];
    const bystander = await make.user(a);
    const out = await (b ?? a).post('/api/v1/auth/logout-all', undefined, { token: more[0].accessToken });
    assert.equal(out.status, 204, out.text);
    for (const session of [user, ...more]) {
      for (const [i, api] of nodes.entries()) assertRefused(await me(api, session.accessToken), `node ${i} after logout-all`);
      assert.equal((await refresh(a, session.refreshToken)).status, 401);
    }
    assert.equal((await me(a, bystander.accessToken)).status, 200, 'someone else is not affected');
    // Signing in again works.
    assert.equal((await me(a, (await login(a, user.user.email, user.password)).accessToken)).status, 200);
  });

  test('DELETE /auth/sessions/:id ends one of the caller\'s sessions; anyone else\'s is 404', async () => {
    const user = await make.user(a);
    const tablet = await login(a, user.user.email, user.password, 'Tablet');
    const stranger = await make.user(a);
    const listed = await a.get('/api/v1/auth/sessions', { token: user.accessToken });
    const tabletId = listed.body.data.find((s: { userAgent: string }) => s.userAgent === 'Tablet').id;
    const strangerId = (await a.get('/api/v1/auth/sessions', { token: stranger.accessToken })).body.data[0].id;

    const foreign = await a.request('DELETE', `/api/v1/auth/sessions/${strangerId}`, { token: user.accessToken });
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.body.type, 'urn:basalt:problem:not-found');
    assert.equal((await me(a, stranger.accessToken)).status, 200, 'the stranger\'s session survives');
    assert.equal((await a.request('DELETE', '/api/v1/auth/sessions/6f1c1d5e-8d3a-4b5e-9f00-000000000000', { token: user.accessToken })).status, 404);
    assert.equal((await a.request('DELETE', '/api/v1/auth/sessions/not-a-uuid', { token: user.accessToken })).status, 400);

    const removed = await a.request('DELETE', `/api/v1/auth/sessions/${tabletId}`, { token: user.accessToken });
    assert.equal(removed.status, 204, removed.text);
    for (const [i, api] of nodes.entries()) assertRefused(await me(api, tablet.accessToken), `node ${i} after DELETE`);
    assert.equal((await refresh(a, tablet.refreshToken)).status, 401);
    assert.equal((await me(a, user.accessToken)).status, 200, 'the caller\'s own session is untouched');
    assert.equal((await a.request('DELETE', `/api/v1/auth/sessions/${tabletId}`, { token: user.accessToken })).status, 404, 'already ended');
  });

  test('password change: wrong current password and weak new ones are 400s naming the field; success ends every other session', async () => {
    const user = await make.user(a);
    const elsewhere = await login(a, user.user.email, user.password);
    const change = (body: unknown, token = user.accessToken) => (b ?? a).post('/api/v1/auth/password', body, { token });

    const wrong = await change({ currentPassword: 'not-the-password', newPassword: 'a-brand-new-passphrase' });
    assertNames(wrong, 400, 'currentPassword', 'wrong current password');
    assert.equal(wrong.body.type, 'urn:basalt:problem:wrong-password');
    assertNames(await change({ currentPassword: user.password, newPassword: 'Password123' }), 400, 'newPassword', 'common password');
    assertNames(await change({ currentPassword: user.password, newPassword: 'short' }), 400, 'newPassword', 'short password');
    assertNames(await change({ currentPassword: user.password, newPassword: user.password }), 400, 'newPassword', 'the same password');
    assertNames(await change({ currentPassword: user.password, newPassword: user.user.email }), 400, 'newPassword', 'the email address');
    assertNames(await change({ newPassword: 'a-brand-new-passphrase' }), 400, 'currentPassword', 'missing');
    assert.equal((await me(a, elsewhere.accessToken)).status, 200, 'nothing changed so far');

    const done = await change({ currentPassword: user.password, newPassword: 'a-brand-new-passphrase' });
    assert.equal(done.status, 204, done.text);
    for (const [i, api] of nodes.entries()) {
      assertRefused(await me(api, elsewhere.accessToken), `node ${i}: the other session ended`);
      assert.equal((await me(api, user.accessToken)).status, 200, `node ${i}: the caller's session continues`);
    }
    assert.equal((await refresh(a, elsewhere.refreshToken)).status, 401);
    assert.equal((await a.post('/api/v1/auth/login', { email: user.user.email, password: user.password })).status, 401, 'the old password is gone');
    await login(a, user.user.email, 'a-brand-new-passphrase');
  });

  test('an administrator disables an account: its tokens die at once on every node, it cannot sign in until enabled again', async () => {
    const admin = await make.admin(a);
    const user = await make.user(a);
    const second = await login(a, user.user.email, user.password);

    const disabled = await a.request('PATCH', `/api/v1/users/${user.user.id}`, { token: admin.accessToken, body: { disabled: true } });
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.disabled, true);
    for (const session of [user, second]) {
      for (const [i, api] of nodes.entries()) assertRefused(await me(api, session.accessToken), `node ${i} after disable`);
      assert.equal((await refresh(a, session.refreshToken)).status, 401);
    }
    const refusedLogin = await a.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
    assert.equal(refusedLogin.status, 401);
    assert.equal(refusedLogin.body.type, 'urn:basalt:problem:invalid-credentials', 'the same answer as a wrong password');

    const enabled = await a.request('PATCH', `/api/v1/users/${user.user.id}`, { token: admin.accessToken, body: { disabled: false } });
    assert.equal(enabled.status, 200, enabled.text);
    assert.equal(enabled.body.disabled, false);
    // Tokens issued in the second of the disable are refused with it; a fresh one after that works.
    await new Promise((r) => setTimeout(r, 1100));
    const back = await login(a, user.user.email, user.password);
    for (const api of nodes) assert.equal((await me(api, back.accessToken)).status, 200);
    assertRefused(await me(a, user.accessToken), 'the old sessions stay ended');
  });

  test('role changes apply to tokens already issued, at once, on every node', async () => {
    const admin = await make.admin(a);
    const user = await make.user(a);
    for (const api of nodes) assert.equal((await api.get('/api/v1/users', { token: user.accessToken })).status, 403);

    const promoted = await a.request('PATCH', `/api/v1/users/${user.user.id}`, { token: admin.accessToken, body: { role: 'admin' } });
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.body.role, 'admin');
    for (const [i, api] of nodes.entries()) assert.equal((await api.get('/api/v1/users', { token: user.accessToken })).status, 200, `node ${i} after promotion`);

    const demoted = await (b ?? a).request('PATCH', `/api/v1/users/${user.user.id}`, { token: admin.accessToken, body: { role: 'user' } });
    assert.equal(demoted.status, 200, demoted.text);
    for (const [i, api] of nodes.entries()) assert.equal((await api.get('/api/v1/users', { token: user.accessToken })).status, 403, `node ${i} after demotion`);
    assert.equal((await me(a, user.accessToken)).status, 200, 'a role change keeps the sessions');
  });

  test('PATCH /users/:id: administrators only, never their own disable or demotion, 404 for nobody, 400 for bad bodies', async () => {
    const admin = await make.admin(a);
    const user = await make.user(a);
    const patch = (id: string, body: unknown, token = admin.accessToken) => a.request('PATCH', `/api/v1/users/${id}`, { token, body });

    assertNames(await patch(admin.user.id, { disabled: true }), 400, 'disabled', 'self-disable');
    const demote = await patch(admin.user.id, { role: 'user' });
    assertNames(demote, 400, 'role', 'self-demotion');
    assert.equal(demote.body.type, 'urn:basalt:problem:cannot-change-own-account');
    assert.equal((await patch(admin.user.id, { role: 'admin' })).status, 200, 'keeping one\'s own role is fine');
    assert.equal((await me(a, admin.accessToken)).status, 200, 'and the administrator is still signed in');

    assert.equal((await patch(user.user.id, { disabled: true }, user.accessToken)).status, 403);
    assert.equal((await a.request('PATCH', `/api/v1/users/${user.user.id}`, { body: { disabled: true } })).status, 401);
    assert.equal((await patch('6f1c1d5e-8d3a-4b5e-9f00-000000000000', { disabled: true })).status, 404);
    assertNames(await patch(user.user.id, { role: 'root' }), 400, 'role');
    assertNames(await patch(user.user.id, { disabled: 'yes' }), 400, 'disabled');
    assertNames(await patch(user.user.id, { email: 'x@example.com' }), 400, 'email');
    assert.equal((await me(a, user.accessToken)).status, 200, 'nothing happened to the user');
  });

  test('refresh-token reuse still ends the session, and its access tokens die at once on every node', async () => {
    const user = await make.user(a);
    const rotated = await refresh(a, user.refreshToken);
    assert.equal(rotated.status, 200, rotated.text);
    for (const api of nodes) assert.equal((await me(api, rotated.body.accessToken)).status, 200);

    const reused = await refresh(b ?? a, user.refreshToken);
    assert.equal(reused.status, 401);
    assert.equal(reused.body.type, 'urn:basalt:problem:invalid-refresh-token');
    for (const [i, api] of nodes.entries()) {
      assertRefused(await me(api, rotated.body.accessToken), `node ${i}: the thief's copy`);
      assertRefused(await me(api, user.accessToken), `node ${i}: the first token`);
    }
    assert.equal((await refresh(a, rotated.body.refreshToken)).status, 401);
  });

  test('two nodes: a session revoked on node A is refused by the very next request on node B', { skip: ONE_NODE_ONLY }, async () => {
    for (let i = 0; i < 10; i++) {
      const user = await make.user(b!);
      assert.equal((await me(b!, user.accessToken)).status, 200, 'known good on B first');
      assert.equal((await a.post('/api/v1/auth/logout', undefined, { token: user.accessToken })).status, 204);
      assertRefused(await me(b!, user.accessToken), `round ${i}: node B right after node A's logout`);
    }
  });
});

describe('sessions: nodes that missed the announcement', () => {
  let env: TestEnvironment;
  const started: BasaltProcess[] = [];
  let redis: Redis;

  const start = async (extra: Record<string, string> = {}) => {
    const node = await startBasalt({ env: { ...env.env, ...extra } });
    started.push(node);
    return { node, api: client(node.url) };
  };

  before(async () => {
    // A short resync, so the database fallback shows within the test's patience.
    env = await createTestEnvironment({ BASALT_REVOCATION_RESYNC_SECONDS: '1' });
    redis = new Redis(env.env.REDIS_URL!);
  });

  after(async () => {
    redis?.disconnect();
    await Promise.all(started.map((node) => node.stop()));
    await env?.cleanup();
  });

  test('a node started after the revocation refuses the token from its first request, even when Redis lost the record', async () => {
    const first = await start();
    const revokedUser = await make.user(first.api);
    const lostUser = await make.user(first.api);
    const disabledUser = await make.user(first.api);
    const admin = await make.admin(first.api);
    assert.equal((await first.api.post('/api/v1/auth/logout', undefined, { token: revokedUser.accessToken })).status, 204);
    assert.equal((await first.api.request('PATCH', `/api/v1/users/${disabledUser.user.id}`, { token: admin.accessToken, body: { disabled: true } })).status, 200);
    const key = `${env.env.BASALT_REDIS_PREFIX}:revocations:recent`;
    assert.ok((await redis.zcard(key)) >= 3, 'the revocations are in the sorted set');

    // The embedded database belongs to one process: the later node replaces the first there.
    if (ONE_NODE_ONLY) await first.node.stop();
    const late = await start();
    assertRefused(await me(late.api, revokedUser.accessToken), 'a later node, from the sorted set');
    assertRefused(await me(late.api, disabledUser.accessToken), 'a later node, disabled user');

    // Now Redis forgets everything (a restart without persistence): the database still knows.
    assert.equal((await late.api.post('/api/v1/auth/logout', undefined, { token: lostUser.accessToken })).status, 204);
    await redis.del(key);
    await late.node.stop();
    const later = await start();
    assertRefused(await me(later.api, lostUser.accessToken), 'a later node, from the database alone');
    assertRefused(await me(later.api, revokedUser.accessToken), 'still refused');
  });

  test('a revocation that reached only the database is enforced by every node within the resync interval', { skip: ONE_NODE_ONLY }, async () => {
    const { api } = await start();
    const { api: other } = await start();
    const user = await make.user(api);
    const doomed = await make.user(api);
    for (const node of [api, other]) {
      assert.equal((await me(node, user.accessToken)).status, 200);
      assert.equal((await me(node, doomed.accessToken)).status, 200);
    }
    // No API call, so no Redis announcement: only the database knows.
    await sql(env, { postgres: 'UPDATE sessions SET revoked_at = now() WHERE user_id = $1', mysql: 'UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) WHERE user_id = ?' }, [user.user.id]);
    await sql(env, { postgres: 'DELETE FROM users WHERE id = $1', mysql: 'DELETE FROM users WHERE id = ?' }, [doomed.user.id]);
    for (const node of [api, other]) {
      await eventually(async () => (await me(node, user.accessToken)).status === 401, 5000, 'refusing a session revoked in the database');
      await eventually(async () => (await me(node, doomed.accessToken)).status === 401, 5000, 'refusing a deleted user');
    }
    // And once refused, never accepted again.
    for (let i = 0; i < 5; i++) for (const node of [api, other]) assertRefused(await me(node, user.accessToken), 'stays refused');
  });
});
