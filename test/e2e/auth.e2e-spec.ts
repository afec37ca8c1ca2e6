import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type Client } from '../support/http';

describe('auth core', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;

  before(async () => {
    env = await createTestEnvironment();
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('register returns tokens and the user, never a password or hash', async () => {
    const email = make.email('Mixed.Case');
    const response = await api.post('/api/v1/auth/register', { email: `  ${email.toUpperCase()} `.trim(), password: 'a-long-enough-password', name: 'Ada' });
    assert.equal(response.status, 201, response.text);
    assert.equal(response.body.user.email, email.toLowerCase());
    assert.equal(response.body.user.role, 'user');
    assert.equal(response.body.user.name, 'Ada');
    assert.equal(response.body.expiresIn, 900);
    assert.match(response.body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(response.body.refreshToken.length >= 40);
    assert.doesNotMatch(response.text, /password|argon2/i);
  });

  test('register refuses a taken email (any case) with 409 and bad input with 400 naming each field', async () => {
    const user = await make.user(api);
    const taken = await api.post('/api/v1/auth/register', { email: user.user.email.toUpperCase(), password: 'a-long-enough-password' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.type, 'urn:basalt:problem:email-taken');
    const bad = await api.post('/api/v1/auth/register', { email: 'not-an-email', password: 'short', role: 'admin' });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type')!, /^application\/problem\+json/);
    const fields = bad.body.errors.map((e: { field: string }) => e.field).sort();
    assert.deepEqual(fields, ['email', 'password', 'role']);
  });

  test('concurrent registrations: one account per email, none lost', async () => {
    const email = make.email('race');
    const same = await Promise.all(Array.from({ length: 8 }, () => api.post('/api/v1/auth/register', { email, password: 'a-long-enough-password' })));
    assert.deepEqual(same.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    const distinct = await Promise.all(Array.from({ length: 12 }, () => make.user(api)));
    for (const user of distinct) {
      const login = await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
      assert.equal(login.status, 200, login.text);
    }
  });

  test('login: right password works; wrong password and unknown email get the same answer', async () => {
    const user = await make.user(api);
    const ok = await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.id, user.user.id);
    const wrong = await api.post('/api/v1/auth/login', { email: user.user.email, password: 'not-the-password' });
    const unknown = await api.post('/api/v1/auth/login', { email: make.email('ghost'), password: 'not-the-password' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.type, unknown.body.type);
    assert.equal(wrong.body.detail, unknown.body.detail);
  });

  test('the first administrator exists from BASALT_ADMIN_EMAIL/PASSWORD', async () => {
    const admin = await make.admin(api);
    assert.equal(admin.user.role, 'admin');
    assert.equal(admin.user.email, ADMIN.email);
  });

  test('me needs a valid bearer token', async () => {
    const user = await make.user(api);
    const me = await api.get('/api/v1/auth/me', { token: user.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, user.user.id);
    assert.equal((await api.get('/api/v1/auth/me')).status, 401);
    const [header, payload] = user.accessToken.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    assert.equal((await api.get('/api/v1/auth/me', { token: unsigned })).status, 401);
    const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: user.user.id, role: 'admin' })).toString('base64url')}.${user.accessToken.split('.')[2]}`;
    const refused = await api.get('/api/v1/auth/me', { token: tampered });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.type, 'urn:basalt:problem:unauthorized');
  });

  test('refresh rotates: the new pair works, the old refresh token does not, and reusing it ends the session', async () => {
    const user = await make.user(api);
    const first = await api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    assert.equal(first.status, 200, first.text);
    assert.notEqual(first.body.refreshToken, user.refreshToken);
    assert.equal((await api.get('/api/v1/auth/me', { token: first.body.accessToken })).status, 200);

    const reused = await api.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    assert.equal(reused.status, 401);
    assert.equal(reused.body.type, 'urn:basalt:problem:invalid-refresh-token');
    // The reuse revoked the session, so the token issued by the first rotation is dead too.
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken })).status, 401);
  });

  test('administrator routes refuse plain users (403) and anonymous callers (401)', async () => {
    const user = await make.user(api);
    const admin = await make.admin(api);
    const listed = await api.get('/api/v1/users?limit=500', { token: admin.accessToken });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.body.data.some((u: { id: string }) => u.id === user.user.id));
    assert.equal(listed.body.meta.limit, 500);
    assert.doesNotMatch(listed.text, /password/i);
    const forbidden = await api.get('/api/v1/users', { token: user.accessToken });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.type, 'urn:basalt:problem:forbidden');
    assert.equal((await api.get('/api/v1/users')).status, 401);
    assert.equal((await api.get('/api/v1/users?limit=0', { token: admin.accessToken })).status, 400);
  });
});
