import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN, DIST, ROOT, createTestEnvironment, freePort, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { assertProblem } from '../support/records';
import { totpCode, wrongTotpCode } from '../support/totp';

/** What the test OpenID provider says about each account (its login is the subject). */
type Claims = { email?: string; email_verified?: boolean; name?: string };

const CLIENT_SECRET = 'basalt-test-client-secret';
const APP = 'http://app.localhost:5173/auth/done';

/**
 * A real OpenID provider (oidc-provider) on loopback, with its development
 * login and consent pages: the login form takes any login, which becomes the
 * subject, and `accounts` decides that subject's claims.
 */
async function startProvider(port: number, redirectUris: string[], accounts: Map<string, Claims>, idTokenCarriesClaims: boolean): Promise<{ issuer: string; server: Server }> {
  const { default: Provider } = await import('oidc-provider');
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'basalt', client_secret: CLIENT_SECRET, redirect_uris: redirectUris, response_types: ['code'], grant_types: ['authorization_code'] }],
    pkce: { required: () => true },
    // false: scope claims (email, …) also go into the ID token; true (the default): only userinfo has them.
    conformIdTokenClaims: !idTokenCarriesClaims,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }) }),
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: true } },
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => console.error('oidc-provider server_error', error));
  const server: Server = await new Promise((resolve) => {
    const listening = provider.listen(port, '127.0.0.1', () => resolve(listening));
  });
  return { issuer, server };
}

/** A browser, as far as the redirect flow needs one: a cookie jar per origin, redirects followed by hand. */
class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const cookies = [...(this.jar.get(origin) ?? new Map()).entries()].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers: Record<string, string> = {};
    if (cookies) headers.cookie = cookies;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    const jar = this.jar.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    this.jar.set(origin, jar);
    return response;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }
}

interface FlowOptions {
  provider?: string;
  /** The login typed into the provider's form: the subject. */
  login: string;
  redirect?: string;
  /** Change the authorization request on its way to the provider, as a tampering browser could. */
  tamper?: (authorizeUrl: URL) => void;
  /** Cancel at the provider's login page instead of signing in. */
  abort?: boolean;
  browser?: Browser;
  /** Another Basalt than the suite's. */
  basaltUrl?: string;
}

describe('sign-in with OpenID Connect', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let acme: { issuer: string; server: Server };
  let other: { issuer: string; server: Server };
  const accounts = new Map<string, Claims>();
  let admin: Client;
  /** A second Basalt, with registration closed, that the providers also know. */
  let closedPort: number;
  let providersSetting: string;

  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    closedPort = await freePort();
    const callback = (name: string) => `${publicUrl}/api/v1/auth/oidc/${name}/callback`;
    acme = await startProvider(await freePort(), [callback('acme'), `http://127.0.0.1:${closedPort}/api/v1/auth/oidc/acme/callback`], accounts, false);
    other = await startProvider(await freePort(), [callback('other')], accounts, true);
    providersSetting = JSON.stringify([
      { name: 'acme', issuer: acme.issuer, clientId: 'basalt', clientSecret: CLIENT_SECRET, appRedirectUri: APP },
      { name: 'other', issuer: other.issuer, clientId: 'basalt', clientSecret: CLIENT_SECRET, scopes: ['email', 'profile'] },
      // Nothing listens there: a provider that is down.
      { name: 'down', issuer: `http://127.0.0.1:${await freePort()}`, clientId: 'basalt' },
    ]);
    env = await createTestEnvironment({ BASALT_PUBLIC_URL: publicUrl, BASALT_OIDC_PROVIDERS: providersSetting });
    basalt = await startBasalt({ env: { ...env.env, PORT: String(port) } });
    api = client(basalt.url);
    admin = client(basalt.url, (await make.admin(api)).accessToken);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
    acme?.server.close();
    other?.server.close();
  });

  /** Walks the flow like a browser up to the provider's redirect back to Basalt, and returns that callback URL (not yet visited). */
  async function toCallback(options: FlowOptions): Promise<{ browser: Browser; callbackUrl: string }> {
    const browser = options.browser ?? new Browser();
    const provider = options.provider ?? 'acme';
    const base = options.basaltUrl ?? basalt.url;
    const start = `${base}/api/v1/auth/oidc/${provider}/authorize${options.redirect !== undefined ? `?redirect=${encodeURIComponent(options.redirect)}` : ''}`;
    const started = await browser.request(start);
    assert.equal(started.status, 302, await started.text());
    let url = new URL(started.headers.get('location')!);
    options.tamper?.(url);
    const callbackPrefix = `${base}/api/v1/auth/oidc/${provider}/callback`;
    for (let step = 0; step < 12; step++) {
      if (url.href.startsWith(callbackPrefix)) return { browser, callbackUrl: url.href };
      const response = await browser.request(url.href);
      if (response.status === 302 || response.status === 303) {
        url = new URL(response.headers.get('location')!, url);
        continue;
      }
      const html = await response.text();
      assert.equal(response.status, 200, `the provider answered ${response.status} at ${url.href}: ${html.slice(0, 800)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
      assert.ok(action && prompt, `a login or consent form at ${url.href}: ${html.slice(0, 800)}`);
      const submit = new URL(action, url);
      if (options.abort) {
        url = new URL(`${submit.pathname.replace(/\/?$/, '')}/abort`, url);
        continue;
      }
      const posted = await browser.request(submit.href, { method: 'POST', form: prompt === 'login' ? { prompt, login: options.login, password: 'anything' } : { prompt } });
      assert.ok(posted.status === 302 || posted.status === 303, `submitting ${prompt}: ${posted.status} ${await posted.text()}`);
      url = new URL(posted.headers.get('location')!, submit);
    }
    assert.fail(`no redirect back to Basalt; stopped at ${url.href}`);
  }

  async function visit(browser: Browser, url: string): Promise<ApiResponse> {
    const response = await browser.request(url);
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body, text };
  }

  /** The whole flow; returns Basalt's answer to the callback. */
  async function signIn(options: FlowOptions): Promise<ApiResponse> {
    const { browser, callbackUrl } = await toCallback(options);
    return visit(browser, callbackUrl);
  }

  function subject(prefix: string, claims: Claims): string {
    const sub = `${prefix}-${randomBytes(5).toString('hex')}`;
    accounts.set(sub, claims);
    return sub;
  }

  async function userIdsWithEmail(email: string): Promise<string[]> {
    const listed = await admin.get('/api/v1/users?limit=500');
    assert.equal(listed.status, 200, listed.text);
    return listed.body.data.filter((u: { email: string }) => u.email === email).map((u: { id: string }) => u.id);
  }

  test('the configured providers are listed publicly; an unknown one is a 404', async () => {
    const listed = await api.get('/api/v1/auth/oidc');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.providers.map((p: { name: string }) => p.name), ['acme', 'other', 'down']);
    assert.equal(listed.body.providers[0].authorizeUrl, `${basalt.url}/api/v1/auth/oidc/acme/authorize`);
    assertProblem(await api.get('/api/v1/auth/oidc/nope/authorize'), 404, 'not-found');
    assertProblem(await api.get('/api/v1/auth/oidc/nope/callback?state=x&code=y'), 404, 'not-found');
  });

  test('authorize redirects to the provider with the code flow, PKCE S256, state and nonce, and binds the flow to the browser', async () => {
    const browser = new Browser();
    const response = await browser.request(`${basalt.url}/api/v1/auth/oidc/acme/authorize`);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin, acme.issuer);
    const params = location.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), 'basalt');
    assert.equal(params.get('redirect_uri'), `${basalt.url}/api/v1/auth/oidc/acme/callback`);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge')!, /^[\w-]{43}$/);
    assert.match(params.get('state')!, /^[\w-]{43}$/);
    assert.match(params.get('nonce')!, /^[\w-]{43}$/);
    assert.deepEqual(params.get('scope')!.split(' ').sort(), ['email', 'openid', 'profile']);
    assert.match(response.headers.get('set-cookie')!, /^basalt_oidc=[\w-]{43}; Max-Age=600; Path=\/api\/v1\/auth\/oidc; HttpOnly; SameSite=Lax$/);
  });

  test('a first sign-in creates an account (role user, no password); the tokens work; a second sign-in reuses it', async () => {
    const email = make.email('oidc-new');
    const sub = subject('new', { email, email_verified: true, name: 'Ada Oidc' });
    const first = await signIn({ login: sub });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    assert.equal(first.body.user.email, email);
    assert.equal(first.body.user.role, 'user');
    assert.equal(first.body.user.name, 'Ada Oidc');
    assert.equal(first.body.user.emailVerified, true, 'the provider verified the email');
    assert.equal(first.body.expiresIn, 900);
    assert.match(first.body.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const me = await api.get('/api/v1/auth/me', { token: first.body.accessToken });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.id, first.body.user.id);
    const refreshed = await api.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    assert.equal(refreshed.status, 200, refreshed.text);

    // The provider may change the email later: the link is by subject, so it is the same account.
    accounts.set(sub, { email: make.email('oidc-changed'), email_verified: true });
    const second = await signIn({ login: sub });
    assert.equal(second.status, 200, second.text);
    assert.equal(second.body.user.id, first.body.user.id);
    assert.equal(second.body.user.email, email);
    assert.notEqual(second.body.refreshToken, first.body.refreshToken);
    assert.deepEqual(await userIdsWithEmail(email), [first.body.user.id]);
  });

  test('an account without a password cannot log in with one: the same 401 as a wrong password', async () => {
    const email = make.email('oidc-nopw');
    const created = await signIn({ login: subject('nopw', { email, email_verified: true }) });
    assert.equal(created.status, 200, created.text);
    const noPassword = await api.post('/api/v1/auth/login', { email, password: 'any-password-at-all' });
    const unknown = await api.post('/api/v1/auth/login', { email: make.email('ghost'), password: 'any-password-at-all' });
    assertProblem(noPassword, 401, 'invalid-credentials');
    assert.equal(noPassword.body.detail, unknown.body.detail);
  });

  test('claims in the ID token itself (no userinfo call) work too', async () => {
    const email = make.email('oidc-idtoken');
    const response = await signIn({ provider: 'other', login: subject('idt', { email, email_verified: true, name: 'From The Token' }) });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.user.email, email);
    assert.equal(response.body.user.name, 'From The Token');
  });

  test('an existing account is linked when the provider has verified the same email; its unverified password stops working', async () => {
    const user = await make.user(api);
    const before = await api.get('/api/v1/auth/me', { token: user.accessToken });
    assert.equal(before.status, 200);
    const sub = subject('link', { email: user.user.email.toUpperCase(), email_verified: true });
    const linked = await signIn({ login: sub });
    assert.equal(linked.status, 200, linked.text);
    assert.equal(linked.body.user.id, user.user.id);
    const again = await signIn({ login: sub });
    assert.equal(again.body.user.id, user.user.id);
    // Whoever set that password never proved the email was theirs; the provider just did.
    const login = await api.post('/api/v1/auth/login', { email: user.user.email, password: user.password });
    assert.equal(login.status, 401, 'the unverified password no longer signs in');
    assert.equal((await api.get('/api/v1/auth/me', { token: user.accessToken })).status, 401, 'its sessions ended');
    assert.equal(linked.body.user.emailVerified, true);
  });

  test('an unverified email that belongs to an account: 409, and nothing is linked', async () => {
    const user = await make.user(api);
    const sub = subject('unverified', { email: user.user.email, email_verified: false });
    const refused = await signIn({ login: sub });
    assertProblem(refused, 409, 'oidc-email-unverified');
    assert.match(refused.body.detail, /not linked/);
    // Had anything been linked, this identity would now sign in to that account; with a fresh email it gets its own.
    const fresh = make.email('oidc-after-409');
    accounts.set(sub, { email: fresh, email_verified: false });
    const own = await signIn({ login: sub });
    assert.equal(own.status, 200, own.text);
    assert.notEqual(own.body.user.id, user.user.id);
    assert.equal(own.body.user.email, fresh);
    assert.equal(own.body.user.emailVerified, false, 'the provider did not verify this email');
  });

  test('no email from the provider: a new account cannot be made (400)', async () => {
    assertProblem(await signIn({ login: subject('noemail', {}) }), 400, 'oidc-email-missing');
  });

  test('subjects are compared exactly: two that differ only in case are two accounts', async () => {
    const base = `CaseSub-${randomBytes(4).toString('hex')}`;
    accounts.set(base, { email: make.email('upper'), email_verified: true });
    accounts.set(base.toLowerCase(), { email: make.email('lower'), email_verified: true });
    const upper = await signIn({ login: base });
    const lower = await signIn({ login: base.toLowerCase() });
    assert.equal(upper.status, 200, upper.text);
    assert.equal(lower.status, 200, lower.text);
    assert.notEqual(upper.body.user.id, lower.body.user.id);
    assert.equal((await signIn({ login: base })).body.user.id, upper.body.user.id);
  });

  test('two concurrent first sign-ins of one identity end in one account', async () => {
    const email = make.email('oidc-race');
    const sub = subject('race', { email, email_verified: true });
    const flows = await Promise.all([toCallback({ login: sub }), toCallback({ login: sub }), toCallback({ login: sub })]);
    const answers = await Promise.all(flows.map(({ browser, callbackUrl }) => visit(browser, callbackUrl)));
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    assert.equal(new Set(answers.map((a) => a.body.user.id)).size, 1);
    assert.deepEqual(await userIdsWithEmail(email), [answers[0].body.user.id]);
  });

  test('state: missing, tampered, from another browser, for another provider, or reused → 400', async () => {
    const sub = subject('state', { email: make.email('oidc-state'), email_verified: true });
    const { browser, callbackUrl } = await toCallback({ login: sub });
    const url = new URL(callbackUrl);

    const missing = new URL(url);
    missing.searchParams.delete('state');
    assertProblem(await visit(browser, missing.href), 400, 'oidc-invalid-state');
    const tampered = new URL(url);
    tampered.searchParams.set('state', randomBytes(32).toString('base64url'));
    assertProblem(await visit(browser, tampered.href), 400, 'oidc-invalid-state');
    assertProblem(await visit(browser, `${basalt.url}/api/v1/auth/oidc/acme/callback?state=%00bad&code=x`), 400, 'oidc-invalid-state');

    // None of those spent the real state: the genuine callback still works, once.
    const ok = await visit(browser, url.href);
    assert.equal(ok.status, 200, ok.text);
    const reused = await visit(browser, url.href);
    assertProblem(reused, 400, 'oidc-invalid-state');
    assert.match(reused.body.detail, /unknown, expired or already used/);

    // A callback opened in a browser that did not start the flow (login CSRF) is refused, and spends the state.
    const stolen = await toCallback({ login: sub });
    const elsewhere = await visit(new Browser(), stolen.callbackUrl);
    assertProblem(elsewhere, 400, 'oidc-invalid-state');
    assert.match(elsewhere.body.detail, /another browser/);
    assertProblem(await visit(stolen.browser, stolen.callbackUrl), 400, 'oidc-invalid-state');

    // A state started for one provider does not finish at another.
    const crossed = await toCallback({ login: sub });
    const otherCallback = crossed.callbackUrl.replace('/oidc/acme/callback', '/oidc/other/callback');
    assertProblem(await visit(crossed.browser, otherCallback), 400, 'oidc-invalid-state');
  });

  test('an ID token with another nonce is refused, and no account is made', async () => {
    const email = make.email('oidc-nonce');
    const sub = subject('nonce', { email, email_verified: true });
    const refused = await signIn({ login: sub, tamper: (url) => url.searchParams.set('nonce', randomBytes(32).toString('base64url')) });
    assertProblem(refused, 400, 'oidc-callback-refused');
    assert.match(refused.body.detail, /nonce/);
    assert.deepEqual(await userIdsWithEmail(email), []);
  });

  test('a PKCE challenge that does not match the verifier is refused by the provider', async () => {
    const sub = subject('pkce', { email: make.email('oidc-pkce'), email_verified: true });
    const refused = await signIn({ login: sub, tamper: (url) => url.searchParams.set('code_challenge', randomBytes(32).toString('base64url')) });
    assertProblem(refused, 400, 'oidc-callback-refused');
    assert.match(refused.body.detail, /invalid_grant/);
  });

  test('a code cannot be replayed, not even under a fresh state', async () => {
    const sub = subject('replay', { email: make.email('oidc-replay'), email_verified: true });
    const first = await toCallback({ login: sub });
    assert.equal((await visit(first.browser, first.callbackUrl)).status, 200);
    const code = new URL(first.callbackUrl).searchParams.get('code')!;

    const second = await toCallback({ login: sub, browser: first.browser });
    const swapped = new URL(second.callbackUrl);
    swapped.searchParams.set('code', code);
    const replayed = await visit(second.browser, swapped.href);
    assertProblem(replayed, 400, 'oidc-callback-refused');
    assert.match(replayed.body.detail, /invalid_grant/);
  });

  test('a sign-in cancelled at the provider comes back as a 400 naming its error', async () => {
    const refused = await signIn({ login: 'nobody', abort: true });
    assertProblem(refused, 400, 'oidc-callback-refused');
    assert.match(refused.body.detail, /access_denied/);
  });

  test('an allowed app redirect gets a 302 with the tokens in the fragment', async () => {
    const email = make.email('oidc-app');
    const sub = subject('app', { email, email_verified: true });
    const target = `${APP}/next?tab=2`;
    const answer = await signIn({ login: sub, redirect: target });
    assert.equal(answer.status, 302, answer.text);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const location = answer.headers.get('location')!;
    assert.ok(location.startsWith(`${target}#`), location);
    const fragment = new URLSearchParams(location.slice(location.indexOf('#') + 1));
    assert.equal(fragment.get('expiresIn'), '900');
    const me = await api.get('/api/v1/auth/me', { token: fragment.get('accessToken')! });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.email, email);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: fragment.get('refreshToken') })).status, 200);
  });

  /** An account made by a first OIDC sign-in, then enrolled in TOTP with its own tokens. */
  async function oidcAccountWithTotp(): Promise<{ sub: string; email: string; secret: string; recoveryCodes: string[] }> {
    const email = make.email('oidc-mfa');
    const sub = subject('mfa', { email, email_verified: true });
    const first = await signIn({ login: sub });
    assert.equal(first.status, 200, first.text);
    const token = first.body.accessToken;
    const started = await api.post('/api/v1/auth/mfa/totp', undefined, { token });
    assert.equal(started.status, 201, started.text);
    const confirmed = await api.post('/api/v1/auth/mfa/totp/confirm', { code: totpCode(started.body.secret) }, { token });
    assert.equal(confirmed.status, 200, confirmed.text);
    return { sub, email, secret: started.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
  }

  function assertChallenge(answer: ApiResponse): string {
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.mfaRequired, true, answer.text);
    assert.equal(answer.body.mfaExpiresIn, 300);
    assert.match(answer.body.mfaToken, /^[\w-]{43}$/);
    assert.equal(answer.body.accessToken, undefined);
    assert.equal(answer.body.refreshToken, undefined);
    return answer.body.mfaToken;
  }

  test('an account with TOTP gets the same MFA challenge as a password login; a code or a recovery code finishes it, once', async () => {
    const account = await oidcAccountWithTotp();
    const mfaToken = assertChallenge(await signIn({ login: account.sub }));
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: wrongTotpCode(account.secret) }), 401, 'invalid-mfa-code');
    // The confirmation used the current step; the next one is inside the window and unused.
    const verified = await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: totpCode(account.secret, 1) });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.user.email, account.email);
    assert.equal(verified.body.user.mfaEnabled, true);
    assert.equal((await api.get('/api/v1/auth/me', { token: verified.body.accessToken })).status, 200);
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: totpCode(account.secret, 1) }), 401, 'invalid-mfa-token');

    const again = assertChallenge(await signIn({ login: account.sub }));
    const recovered = await api.post('/api/v1/auth/mfa/verify', { mfaToken: again, recoveryCode: account.recoveryCodes[0] });
    assert.equal(recovered.status, 200, recovered.text);
    assert.ok(recovered.body.accessToken && recovered.body.refreshToken);
  });

  test('with an app redirect, the fragment carries the MFA challenge and no tokens', async () => {
    const account = await oidcAccountWithTotp();
    const answer = await signIn({ login: account.sub, redirect: APP });
    assert.equal(answer.status, 302, answer.text);
    const location = answer.headers.get('location')!;
    const fragment = new URLSearchParams(location.slice(location.indexOf('#') + 1));
    assert.equal(fragment.get('mfaRequired'), 'true');
    assert.equal(fragment.get('accessToken'), null);
    assert.equal(fragment.get('refreshToken'), null);
    const verified = await api.post('/api/v1/auth/mfa/verify', { mfaToken: fragment.get('mfaToken'), recoveryCode: account.recoveryCodes[1] });
    assert.equal(verified.status, 200, verified.text);
  });

  test('wrong codes after an OIDC sign-in lock the account like after a password: 429 with Retry-After, even for the right code', async () => {
    const account = await oidcAccountWithTotp();
    const mfaToken = assertChallenge(await signIn({ login: account.sub }));
    let status = 0;
    let tries = 0;
    for (; tries < 8 && status !== 429; tries++) {
      status = (await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: wrongTotpCode(account.secret) })).status;
    }
    assert.equal(status, 429);
    assert.ok(tries <= 6, `locked after ${tries} attempts`);
    const locked = await api.post('/api/v1/auth/mfa/verify', { mfaToken, code: totpCode(account.secret, 1) });
    assertProblem(locked, 429, 'too-many-login-attempts');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    // A fresh OIDC challenge does not bypass the lock either.
    assertProblem(await api.post('/api/v1/auth/mfa/verify', { mfaToken: assertChallenge(await signIn({ login: account.sub })), recoveryCode: account.recoveryCodes[0] }), 429, 'too-many-login-attempts');
  });

  test('an app redirect outside the configured one is refused before anything starts', async () => {
    const refused = [
      'https://evil.example/auth/done',
      'http://app.localhost:5173.evil.example/auth/done',
      'http://app.localhost:5173@evil.example/auth/done',
      'http://app.localhost:5174/auth/done',
      'https://app.localhost:5173/auth/done',
      'http://app.localhost:5173/auth/donex',
      'http://app.localhost:5173/auth/done/../../evil',
      `${APP}#fragment`,
      '/auth/done',
      'javascript:alert(1)',
    ];
    for (const redirect of refused) {
      const response = await new Browser().request(`${basalt.url}/api/v1/auth/oidc/acme/authorize?redirect=${encodeURIComponent(redirect)}`);
      const answer: ApiResponse = { status: response.status, headers: response.headers, body: await response.json(), text: '' };
      assertProblem(answer, 400, 'oidc-redirect-refused', redirect);
      assert.equal(response.headers.get('location'), null, redirect);
    }
    // A provider without appRedirectUri never redirects to an app.
    const none = await client(basalt.url).get(`/api/v1/auth/oidc/other/authorize?redirect=${encodeURIComponent(APP)}`);
    assertProblem(none, 400, 'oidc-redirect-refused');
    assert.match(none.body.detail, /no appRedirectUri/);
    assertProblem(await api.get('/api/v1/auth/oidc/acme/authorize?unknown=1'), 400, 'validation-failed');
  });

  test('a disabled account cannot sign in through its provider (403)', async () => {
    const sub = subject('disabled', { email: make.email('oidc-disabled'), email_verified: true });
    const created = await signIn({ login: sub });
    assert.equal(created.status, 200, created.text);
    const disabled = await admin.request('PATCH', `/api/v1/users/${created.body.user.id}`, { body: { disabled: true } });
    assert.equal(disabled.status, 200, disabled.text);
    const refused = await signIn({ login: sub });
    assertProblem(refused, 403, 'forbidden');
    assert.match(refused.body.detail, /disabled/);
  });

  test('with registration closed, no account is created, but a verified email still links', async () => {
    const closedEnv = await createTestEnvironment({ BASALT_PUBLIC_URL: `http://127.0.0.1:${closedPort}`, BASALT_OIDC_PROVIDERS: providersSetting, BASALT_REGISTRATION_OPEN: 'false' });
    const closed = await startBasalt({ env: { ...closedEnv.env, PORT: String(closedPort) } });
    try {
      const refused = await signIn({ basaltUrl: closed.url, login: subject('closed', { email: make.email('oidc-closed'), email_verified: true }) });
      assertProblem(refused, 403, 'registration-closed');
      const linked = await signIn({ basaltUrl: closed.url, login: subject('closed-admin', { email: ADMIN.email, email_verified: true }) });
      assert.equal(linked.status, 200, linked.text);
      assert.equal(linked.body.user.email, ADMIN.email);
    } finally {
      await closed.stop();
      await closedEnv.cleanup();
    }
  });

  test('an administrator who must enrol gets the same restricted tokens through a provider as with a password; once enrolled, the MFA challenge', async () => {
    const strictEnv = await createTestEnvironment({ BASALT_PUBLIC_URL: `http://127.0.0.1:${closedPort}`, BASALT_OIDC_PROVIDERS: providersSetting, BASALT_MFA_REQUIRED_FOR_ADMINS: 'true' });
    const strict = await startBasalt({ env: { ...strictEnv.env, PORT: String(closedPort) } });
    const strictApi = client(strict.url);
    try {
      const sub = subject('strict-admin', { email: ADMIN.email, email_verified: true });
      const first = await signIn({ basaltUrl: strict.url, login: sub });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.user.role, 'admin');
      const token = first.body.accessToken;
      assertProblem(await strictApi.get('/api/v1/users', { token }), 403, 'mfa-enrolment-required');
      assert.equal((await strictApi.get('/api/v1/auth/me', { token })).status, 200);

      const started = await strictApi.post('/api/v1/auth/mfa/totp', undefined, { token });
      assert.equal(started.status, 201, started.text);
      const confirmed = await strictApi.post('/api/v1/auth/mfa/totp/confirm', { code: totpCode(started.body.secret) }, { token });
      assert.equal(confirmed.status, 200, confirmed.text);

      const mfaToken = assertChallenge(await signIn({ basaltUrl: strict.url, login: sub }));
      const verified = await strictApi.post('/api/v1/auth/mfa/verify', { mfaToken, recoveryCode: confirmed.body.recoveryCodes[0] });
      assert.equal(verified.status, 200, verified.text);
      assert.equal((await strictApi.get('/api/v1/users', { token: verified.body.accessToken })).status, 200, 'a full administrator now');
    } finally {
      await strict.stop();
      await strictEnv.cleanup();
    }
  });

  test('a provider that cannot be reached: 502, and Basalt keeps serving the others', async () => {
    const down = await api.get('/api/v1/auth/oidc/down/authorize');
    assertProblem(down, 502, 'oidc-provider-unavailable');
    assert.match(down.body.detail, /"down" could not be reached/);
    assert.equal((await new Browser().request(`${basalt.url}/api/v1/auth/oidc/acme/authorize`)).status, 302);
  });

  test('a bad BASALT_OIDC_PROVIDERS stops the start, naming it and never the client secret', () => {
    const result = spawnSync(process.execPath, [join(DIST, 'src/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_PATH: process.env.BASALT_TEST_DIST,
        BASALT_DATA_DIR: env.dataDir,
        BASALT_OIDC_PROVIDERS: JSON.stringify([{ name: 'acme', issuer: 'http://id.example.com', clientId: 'basalt', clientSecret: 'do-not-print-me' }]),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /BASALT_OIDC_PROVIDERS: \[0\]\.issuer must be an https:\/\//);
    assert.doesNotMatch(result.stderr + result.stdout, /do-not-print-me/);
  });
});
