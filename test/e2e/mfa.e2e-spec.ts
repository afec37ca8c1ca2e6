import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN, createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { totpCode as code, wrongTotpCode as wrongCode } from '../support/totp';

interface Enrolled {
  email: string;
  password: string;
  accessToken: string;
  secret: string;
  recoveryCodes: string[];
}

function assertProblem(response: ApiResponse, status: number, type: string): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.body.type, `urn:basalt:problem:${type}`, response.text);
}

describe('TOTP multi-factor authentication', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  /** Every response after an enrolment, to prove its secret never comes back. */
  const seen: { text: string; after: number }[] = [];
  const secrets: { secret: string; at: number }[] = [];
  let counter = 0;

  before(async () => {
    // Administrators must enrol; the address limit is raised so the per-account limit is what this file exercises.
    env = await createTestEnvironment({ BASALT_MFA_REQUIRED_FOR_ADMINS: 'true', BASALT_LOGIN_MAX_FAILURES_PER_IP: '1000' });
    basalt = await startBasalt({ env: env.env });
    const raw = client(basalt.url);
    const record = async (promise: Promise<ApiResponse>) => {
      const response = await promise;
      seen.push({ text: response.text + JSON.stringify([...response.headers.entries()]), after: counter++ });
      return response;
    };
    api = {
      get: (path, options) => record(raw.get(path, options)),
      post: (path, body, options) => record(raw.post(path, body, options)),
      request: (method, path, options) => record(raw.request(method, path, options)),
    } as Client;
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  async function enrol(token: string, email: string): Promise<{ secret: string; recoveryCodes: string[]; accessToken: string }> {
    const started = await api.post('/api/v1/auth/mfa/totp', undefined, { token });
    assert.equal(started.status, 201, started.text);
    const { secret, otpauthUri } = started.body;
    secrets.push({ secret, at: counter });
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.ok(otpauthUri.startsWith(`otpauth://totp/Basalt:${encodeURIComponent(email)}?`), otpauthUri);
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Basalt');
    const confirmed = await api.post('/api/v1/auth/mfa/totp/confirm', { code: code(secret) }, { token });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(confirmed.body.recoveryCodes.length, 10);
    assert.equal(new Set(confirmed.body.recoveryCodes).size, 10);
    return { secret, recoveryCodes: confirmed.body.recoveryCodes, accessToken: confirmed.body.accessToken };
  }

  async function enrolledUser(): Promise<Enrolled> {
    const user = await make.user(api);
    const enrolled = await enrol(user.accessToken, user.user.email);
    return { email: user.user.email, password: user.password, ...enrolled };
  }

  async function challenge(user: { email: string; password: string }): Promise<string> {
    const response = await api.post('/api/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.mfaRequired, true, response.text);
    assert.equal(response.body.accessToken, undefined);
    assert.equal(response.body.refreshToken, undefined);
    return response.body.mfaToken;
  }

  test('enrol and confirm: pending until a first code, then /auth/me shows mfaEnabled', async () => {
    const user = await make.user(api);
    const me = await api.get('/api/v1/auth/me', { token: user.accessToken });
    assert.equal(me.body.mfaEnabled, false);

    const started = await api.post('/api/v1/auth/mfa/totp', undefined, { token: user.accessToken });
    assert.equal(started.status, 201);
    secrets.push({ secret: started.body.secret, at: counter });
    // Pending: login still answers tokens directly.
    const pendingLogin = await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
    assert.ok(pendingLogin.body.accessToken, pendingLogin.text);
    assertProblem(await api.post('/api/v1/auth/mfa/totp/confirm', { code: wrongCode(started.body.secret) }, { token: user.accessToken }), 400, 'invalid-mfa-code');
    const confirmed = await api.post('/api/v1/auth/mfa/totp/confirm', { code: code(started.body.secret) }, { token: user.accessToken });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(confirmed.body.recoveryCodes.length, 10);
    for (const recovery of confirmed.body.recoveryCodes) assert.match(recovery, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);

    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).body.mfaEnabled, true);
    assertProblem(await api.post('/api/v1/auth/mfa/totp', undefined, { token: user.accessToken }), 409, 'mfa-already-enabled');
    assertProblem(await api.post('/api/v1/auth/mfa/totp/confirm', { code: code(started.body.secret, 1) }, { token: user.accessToken }), 409, 'mfa-already-enabled');
  });

  test('login then needs the second step; the challenge token works once; wrong codes are 401', async () => {
    const user = await enrolledUser();
    const mfaToken = await challenge(user);
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: wrongCode(user.secret) }), 401, 'invalid-mfa-code');
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken: 'x'.repeat(43), code: code(user.secret, 1) }), 401, 'invalid-mfa-token');

    // The confirmation used the current step: the next one is inside the ±1 window and unused.
    const verified = await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: code(user.secret, 1) });
    assert.equal(verified.status, 200, verified.text);
    assert.ok(verified.body.accessToken && verified.body.refreshToken && verified.body.expiresIn);
    assert.equal(verified.body.user.email, user.email);
    assert.equal(verified.body.user.mfaEnabled, true);
    assert.equal((await api.get('/api/v1/auth/me', { token: verified.body.accessToken })).status, 200);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: verified.body.refreshToken })).status, 200);

    // Single use.
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: code(user.secret, 1) }), 401, 'invalid-mfa-token');
    // Both or neither of code and recoveryCode: 400.
    assert.equal((await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user) })).status, 400);
  });

  test('a code is refused the second time (replay), as is an older step', async () => {
    const user = await enrolledUser();
    const first = await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user), code: code(user.secret, 1) });
    assert.equal(first.status, 200, first.text);
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user), code: code(user.secret, 1) }), 401, 'invalid-mfa-code');
    // The confirmation's step (now older than the last used one) is refused too.
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user), code: code(user.secret, 0) }), 401, 'invalid-mfa-code');
  });

  test('a recovery code signs in once', async () => {
    const user = await enrolledUser();
    const recovery = user.recoveryCodes[3];
    const first = await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user), recoveryCode: recovery.toUpperCase() });
    assert.equal(first.status, 200, first.text);
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user), recoveryCode: recovery }), 401, 'invalid-mfa-code');
    assert.equal((await api.post('/api/v1/auth/mfa/verify', { mfaToken: await challenge(user), recoveryCode: user.recoveryCodes[4] })).status, 200);
  });

  test('disable needs a current code or a recovery code; afterwards login is one step again', async () => {
    const user = await enrolledUser();
    const token = user.accessToken;
    assertProblem(await api.request('DELETE', '/api/v1/auth/mfa/totp', { token, body: { code: wrongCode(user.secret) } }), 400, 'invalid-mfa-code');
    assertProblem(await api.request('DELETE', '/api/v1/auth/mfa/totp', { token, body: { recoveryCode: 'aaaa-bbbb-cccc' } }), 400, 'invalid-mfa-code');
    assert.equal((await api.request('DELETE', '/api/v1/auth/mfa/totp', { token, body: { code: code(user.secret, 1) } })).status, 204);
    assert.equal((await api.get('/api/v1/auth/me', { token })).body.mfaEnabled, false);
    assertProblem(await api.request('DELETE', '/api/v1/auth/mfa/totp', { token, body: { code: code(user.secret, 1) } }), 409, 'mfa-not-enabled');
    const login = await api.post('/api/v1/auth/login', { email: user.email, password: user.password });
    assert.equal(login.status, 200);
    assert.ok(login.body.accessToken, login.text);
    assert.equal(login.body.mfaRequired, undefined);

    // With a recovery code too.
    const other = await enrolledUser();
    assert.equal((await api.request('DELETE', '/api/v1/auth/mfa/totp', { token: other.accessToken, body: { recoveryCode: other.recoveryCodes[0] } })).status, 204);
  });

  test('wrong codes count against the login throttle: 429, even for the right code', async () => {
    const user = await enrolledUser();
    const mfaToken = await challenge(user); // the password step counts until the second factor passes
    let status = 0;
    let tries = 0;
    for (; tries < 8 && status !== 429; tries++) {
      status = (await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: wrongCode(user.secret) })).status;
    }
    assert.equal(status, 429);
    assert.ok(tries <= 5, `locked after ${tries} attempts`);
    const locked = await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: code(user.secret, 1) });
    assertProblem(locked, 429, 'too-many-login-attempts');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.equal((await api.post('/api/v1/auth/login', { email: user.email, password: user.password })).status, 429);
  });

  test('a successful second step resets the account count', async () => {
    const user = await enrolledUser();
    // Three full sign-ins, each with two wrong codes first: never locked, since each success resets the count.
    const recoveries = user.recoveryCodes.slice(0, 3);
    for (const recoveryCode of recoveries) {
      const mfaToken = await challenge(user);
      assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: wrongCode(user.secret) }), 401, 'invalid-mfa-code');
      assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: wrongCode(user.secret) }), 401, 'invalid-mfa-code');
      assert.equal((await api.post('/api/v1/auth/mfa/verify', { mfaToken, recoveryCode })).status, 200);
    }
  });

  test('administrators must enrol: 403 everywhere but enrolment, /auth/me and logout, then normal', async () => {
    const login = await api.post('/api/v1/auth/login', ADMIN);
    assert.equal(login.status, 200, login.text);
    const token = login.body.accessToken;
    assert.ok(token, 'an admin without MFA still gets tokens');
    assertProblem(await api.get('/api/v1/users', { token }), 403, 'mfa-enrolment-required');
    assertProblem(await api.get('/api/v1/auth/sessions', { token }), 403, 'mfa-enrolment-required');
    const me = await api.get('/api/v1/auth/me', { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.mfaEnabled, false);
    // Ordinary users are not concerned.
    const user = await make.user(api);
    assert.equal((await api.get('/api/v1/auth/sessions', { token: user.accessToken })).status, 200);

    const enrolled = await enrol(token, ADMIN.email);
    // The old token still lacks the claim; the one returned by the confirmation (and any refresh) carries it.
    assertProblem(await api.get('/api/v1/users', { token }), 403, 'mfa-enrolment-required');
    assert.equal((await api.get('/api/v1/users', { token: enrolled.accessToken })).status, 200);
    const refreshed = await api.post('/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    assert.equal(refreshed.status, 200);
    assert.equal((await api.get('/api/v1/users', { token: refreshed.body.accessToken })).status, 200);

    // From now on the admin signs in in two steps and has full access.
    const mfaToken = await challenge(ADMIN);
    const verified = await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: code(enrolled.secret, 1) });
    assert.equal(verified.status, 200, verified.text);
    assert.equal((await api.get('/api/v1/users', { token: verified.body.accessToken })).status, 200);
    assert.equal((await api.post('/api/v1/auth/logout', undefined, { token })).status, 204);
  });

  test('the secret never appears in a later response or in the logs', () => {
    assert.ok(secrets.length >= 5);
    for (const { secret, at } of secrets) {
      for (const response of seen.filter((r) => r.after >= at)) assert.ok(!response.text.includes(secret), `secret leaked in ${response.text}`);
      assert.ok(!basalt.output().includes(secret), 'secret in the logs');
    }
  });
});
