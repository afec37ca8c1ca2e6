import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, postFrom, type Answer, type Client } from '../support/http';

const ACCOUNT_MAX = 3;
const IP_MAX = 8;
const LOCK_SECONDS = 60;

function assertLocked(answer: Answer, context: string): void {
  assert.equal(answer.status, 429, `${context}: expected 429, got ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.type, 'urn:basalt:problem:too-many-login-attempts', context);
  assert.ok(answer.retryAfter, `${context}: Retry-After is set`);
  const seconds = Number(answer.retryAfter);
  assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= LOCK_SECONDS, `${context}: Retry-After ${answer.retryAfter}`);
}

/** The parts of a 429 a client can compare, with the changing number of seconds taken out. */
function shape(answer: Answer) {
  return { status: answer.status, type: answer.body.type, title: answer.body.title, detail: String(answer.body.detail).replace(/\d+/g, 'N'), keys: Object.keys(answer.body).sort() };
}

describe('login throttling', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  const login = (from: string, email: string, password: string, headers?: Record<string, string>) => postFrom(basalt.url, from, '/api/v1/auth/login', { email, password }, headers);

  before(async () => {
    env = await createTestEnvironment({
      BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_MAX),
      BASALT_LOGIN_MAX_FAILURES_PER_IP: String(IP_MAX),
      BASALT_LOGIN_LOCK_SECONDS: String(LOCK_SECONDS),
    });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('an account locks after its failures: 429 with Retry-After for any password, from any address', async () => {
    const user = await make.user(api);
    for (let i = 0; i < ACCOUNT_MAX; i++) assert.equal((await login('127.0.1.1', user.user.email, `wrong-password-${i}`)).status, 401);
    assertLocked(await login('127.0.1.1', user.user.email, user.password), 'the right password while locked');
    assertLocked(await login('127.0.1.2', user.user.email.toUpperCase(), user.password), 'another address, the email in another case');
    assertLocked(await login('127.0.1.3', user.user.email, 'wrong-again'), 'a wrong password while locked');
    // The lock is about the password: existing sessions keep working.
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).status, 200);
  });

  test('an unknown email gets exactly the same answers, so locks reveal nothing', async () => {
    const user = await make.user(api);
    const ghost = make.email('ghost');
    const known: Answer[] = [];
    const unknown: Answer[] = [];
    for (let i = 0; i <= ACCOUNT_MAX; i++) {
      known.push(await login('127.0.2.1', user.user.email, 'not-the-password'));
      unknown.push(await login('127.0.2.2', ghost, 'not-the-password'));
    }
    assert.deepEqual(known.map((r) => r.status), [...Array(ACCOUNT_MAX).fill(401), 429]);
    assert.deepEqual(unknown.map((r) => r.status), known.map((r) => r.status));
    assert.deepEqual(shape(unknown[0]), shape(known[0]));
    assertLocked(known[ACCOUNT_MAX], 'known');
    assertLocked(unknown[ACCOUNT_MAX], 'unknown');
    assert.deepEqual(shape(unknown[ACCOUNT_MAX]), shape(known[ACCOUNT_MAX]));
    assert.ok(Math.abs(Number(known[ACCOUNT_MAX].retryAfter) - Number(unknown[ACCOUNT_MAX].retryAfter)) <= 2);
  });

  test('a successful login resets the account count', async () => {
    const user = await make.user(api);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < ACCOUNT_MAX - 1; i++) assert.equal((await login('127.0.3.1', user.user.email, 'not-the-password')).status, 401);
      assert.equal((await login('127.0.3.1', user.user.email, user.password)).status, 200, `round ${round}`);
    }
  });

  test('a burst of parallel guesses cannot get more than the limit checked', async () => {
    const user = await make.user(api);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(`127.0.4.${i + 1}`, user.user.email, `guess-number-${i}`)));
    const statuses = answers.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 401).length, ACCOUNT_MAX, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 429).length, 12 - ACCOUNT_MAX);
  });

  test('an address locks after its failures across accounts; other addresses are unaffected; X-Forwarded-For is not believed by default', async () => {
    const user = await make.user(api);
    for (let i = 0; i < IP_MAX; i++) assert.equal((await login('127.0.5.1', make.email('spray'), 'not-the-password')).status, 401, `attempt ${i}`);
    assertLocked(await login('127.0.5.1', user.user.email, user.password), 'a right password from the locked address');
    assertLocked(await login('127.0.5.1', user.user.email, user.password, { 'x-forwarded-for': '203.0.113.9' }), 'a forged X-Forwarded-For');
    assert.equal((await login('127.0.5.2', user.user.email, user.password)).status, 200, 'another address signs in');
  });

  test('password change counts wrong current passwords like logins', async () => {
    const user = await make.user(api);
    const change = (currentPassword: string) =>
      postFrom(basalt.url, '127.0.6.1', '/api/v1/auth/password', { currentPassword, newPassword: 'a-brand-new-passphrase' }, { authorization: `Bearer ${user.accessToken}` });
    for (let i = 0; i < ACCOUNT_MAX; i++) assert.equal((await change('not-the-password')).status, 400);
    assertLocked(await change(user.password), 'password change while locked');
    assertLocked(await login('127.0.6.2', user.user.email, user.password), 'login while locked');
  });

  test('registration refuses common passwords with a 400 naming password', async () => {
    for (const password of ['password123', 'Qwertyuiop', '1234567890']) {
      const response = await api.post('/api/v1/auth/register', { email: make.email('weak'), password });
      assert.equal(response.status, 400, `${password}: ${response.text}`);
      assert.equal(response.body.type, 'urn:basalt:problem:validation-failed');
      assert.deepEqual(response.body.errors.map((e: { field: string }) => e.field), ['password'], password);
      assert.match(response.body.errors[0].message, /common/);
    }
    const short = await api.post('/api/v1/auth/register', { email: make.email('short'), password: '123456' });
    assert.deepEqual(short.body.errors.map((e: { field: string }) => e.field), ['password'], 'one message for a short password');
    await make.user(api, { password: 'an-uncommon-passphrase' });
  });
});

describe('login throttling: locks end', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;

  before(async () => {
    env = await createTestEnvironment({ BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '2', BASALT_LOGIN_LOCK_SECONDS: '2' });
    basalt = await startBasalt({ env: env.env });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('after Retry-After seconds the right password works again', async () => {
    const user = await make.user(client(basalt.url));
    const login = (password: string) => postFrom(basalt.url, '127.0.7.1', '/api/v1/auth/login', { email: user.user.email, password });
    assert.equal((await login('not-the-password')).status, 401);
    assert.equal((await login('not-the-password')).status, 401);
    const locked = await login(user.password);
    assert.equal(locked.status, 429);
    await new Promise((r) => setTimeout(r, Number(locked.retryAfter) * 1000 + 200));
    assert.equal((await login(user.password)).status, 200);
  });
});
