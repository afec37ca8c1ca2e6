import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { make, type SignedIn } from '../support/factories';
import { client, type ApiResponse, type Client } from '../support/http';
import { MISSING_ID, assertInvalid, assertProblem, createCollection, recordsOf, type Rec, type Records } from '../support/records';

/**
 * The OWASP API Security Top 10 (2023), one test per risk, against one
 * Basalt. Some risks are covered in depth elsewhere (access.e2e-spec.ts for
 * row permissions, auth/sessions for tokens, login-throttle and
 * email-request-limits for 429s); this file keeps the whole matrix in one
 * place so a gap shows.
 */

const JWT_SECRET = `owasp-${randomBytes(24).toString('hex')}`;
const LOGIN_MAX = 3;
const EMAIL_MAX = 2;

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hs = (algorithm: 'sha256' | 'sha512', secret: string, data: string) => createHmac(algorithm, Buffer.from(secret, 'utf8')).update(data).digest('base64url');

/** A JWT built by hand: any header, any claims, any key. */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (data: string) => string): string {
  const data = `${b64url(header)}.${b64url(claims)}`;
  return `${data}.${sign(data)}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** Fills an OpenAPI path template: `{name}` is the test's collection, every other parameter an id. */
function concrete(template: string, collection: string): string {
  return template.replace(/\{(\w+)\}/g, (_all, parameter: string) => (parameter === 'name' ? collection : MISSING_ID));
}

describe('OWASP API Security Top 10', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;
  let adminSession: SignedIn;
  let admin: Client;
  let a: SignedIn & { password: string };
  let b: SignedIn & { password: string };
  let userA: Client;
  let userB: Client;
  let notesA: Records;
  let notesB: Records;
  let adminNotes: Records;
  let noteA: Rec;

  before(async () => {
    env = await createTestEnvironment({
      BASALT_JWT_SECRET: JWT_SECRET,
      BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: String(LOGIN_MAX),
      BASALT_EMAIL_REQUEST_MAX_PER_EMAIL: String(EMAIL_MAX),
    });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
    adminSession = await make.admin(api);
    admin = client(basalt.url, adminSession.accessToken);
    a = await make.user(api);
    b = await make.user(api);
    userA = client(basalt.url, a.accessToken);
    userB = client(basalt.url, b.accessToken);
    await createCollection(admin, {
      name: 'owasp_notes',
      softDelete: true,
      ownerField: 'owner',
      fields: [
        { name: 'title', type: 'string', required: true },
        { name: 'secret', type: 'string' },
        { name: 'owner', type: 'uuid' },
      ],
    });
    const own = { owner: { $eq: '$user.id' } };
    for (const rule of [
      { action: 'read', rowFilter: own, fields: ['title', 'owner'] },
      { action: 'update', rowFilter: own, fields: ['title'] },
      { action: 'delete', rowFilter: own },
      { action: 'create', presets: { owner: '$user.id' }, fields: ['title'] },
    ]) {
      const created = await admin.post('/api/v1/permissions', { role: 'user', collection: 'owasp_notes', ...rule });
      assert.equal(created.status, 201, created.text);
    }
    adminNotes = recordsOf(admin, 'owasp_notes');
    notesA = recordsOf(userA, 'owasp_notes');
    notesB = recordsOf(userB, 'owasp_notes');
    noteA = await notesA.add({ title: 'A private' });
    await adminNotes.patch(noteA.id, { secret: 'only admins see this' });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('API1 broken object level authorization: user B reaches none of A\'s records by id, filter, batch or guessed ids', async () => {
    assert.equal(noteA.owner, a.user.id);
    // By id: the same 404 as a record that does not exist, so B learns nothing.
    assertProblem(await notesB.get(noteA.id), 404, 'not-found', 'get');
    assertProblem(await notesB.patch(noteA.id, { title: 'hijacked' }), 404, 'not-found', 'update');
    assertProblem(await notesB.delete(noteA.id), 404, 'not-found', 'delete');
    assertProblem(await notesB.get(MISSING_ID), 404, 'not-found', 'missing');
    // By filter: the row filter is ANDed with whatever B asks.
    for (const filter of [{ owner: a.user.id }, { $or: [{ owner: a.user.id }, { title: 'A private' }] }, { $not: { owner: b.user.id } }]) {
      assert.deepEqual((await notesB.ok({ filter })).data, [], JSON.stringify(filter));
    }
    assert.equal(Number((await notesB.ok({ aggregate: 'count' })).data[0].count), 0, 'aggregates too');
    // By batch: one foreign operation refuses the whole batch.
    assertProblem(await userB.post('/api/v1/batch', { operations: [{ action: 'update', collection: 'owasp_notes', id: noteA.id, data: { title: 'x' } }] }), 404, 'not-found', 'batch update');
    assertProblem(await userB.post('/api/v1/batch', { operations: [{ action: 'delete', collection: 'owasp_notes', id: noteA.id }] }), 404, 'not-found', 'batch delete');
    // Guessed ids: neighbours of A's UUIDv7 (same time prefix) and random ones.
    const guesses = [...Array(10)].map((_, i) => `${noteA.id.slice(0, -2)}${i.toString(16).padStart(2, '0')}`).concat([...Array(5)].map(() => randomUUID()));
    for (const id of guesses) assertProblem(await notesB.get(id), 404, 'not-found', `guessed ${id}`);
    // Administrator-only views of records are closed too, and B's GDPR export holds none of A's records.
    assertProblem(await userB.get('/api/v1/collections/owasp_notes/trash'), 403, 'forbidden');
    const exported = await userB.get('/api/v1/users/me/export');
    assert.deepEqual(exported.body.collections.owasp_notes.records, []);
    const still = await adminNotes.get(noteA.id);
    assert.equal(still.body.title, 'A private', 'nothing changed');
  });

  test('API2 broken authentication: tampered, alg:none, wrong-key, wrong-algorithm, expired and foreign-audience JWTs are 401; a reused refresh token ends the session', async () => {
    const real = claimsOf(a.accessToken);
    const header = { alg: 'HS256', typ: 'JWT' };
    const now = Math.floor(Date.now() / 1000);
    const me = (token: string) => api.get('/api/v1/auth/me', { token });
    // Control: the same claims signed with the server's key are accepted, so each refusal below is the defect named.
    assert.equal((await me(forge(header, real, (d) => hs('sha256', JWT_SECRET, d)))).status, 200);

    const asAdmin = { ...real, role: 'admin' };
    const [h, , signature] = a.accessToken.split('.');
    const cases: [string, string][] = [
      ['tampered claims, original signature', `${h}.${b64url(asAdmin)}.${signature}`],
      ['alg none', forge({ alg: 'none', typ: 'JWT' }, asAdmin, () => '')],
      ['alg None, signature kept', forge({ alg: 'None', typ: 'JWT' }, asAdmin, () => signature)],
      ['another key', forge(header, asAdmin, (d) => hs('sha256', 'not-the-server-secret-but-long-enough', d))],
      ['HS512 with the right key', forge({ alg: 'HS512', typ: 'JWT' }, real, (d) => hs('sha512', JWT_SECRET, d))],
      ['expired', forge(header, { ...real, iat: now - 7200, exp: now - 3600 }, (d) => hs('sha256', JWT_SECRET, d))],
      ['another audience', forge(header, { ...real, aud: 'someone-else' }, (d) => hs('sha256', JWT_SECRET, d))],
      ['another issuer', forge(header, { ...real, iss: 'evil' }, (d) => hs('sha256', JWT_SECRET, d))],
      ['not a JWT', 'abc.def'],
    ];
    for (const [name, token] of cases) {
      assertProblem(await me(token), 401, 'unauthorized', name);
      assertProblem(await api.get('/api/v1/users', { token }), 401, 'unauthorized', `${name} on an admin route`);
    }

    const session = await make.user(api);
    const rotated = await api.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    assert.equal(rotated.status, 200, rotated.text);
    assertProblem(await api.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken }), 401, 'invalid-refresh-token', 'reuse');
    assertProblem(await api.post('/api/v1/auth/refresh', { refreshToken: rotated.body.refreshToken }), 401, 'invalid-refresh-token', 'the reuse ended the session');
    assertProblem(await me(rotated.body.accessToken), 401, 'unauthorized', 'its access token too');
  });

  test('API3 broken object property level authorization: no mass assignment of role or owner, no hidden field read or written', async () => {
    const email = make.email('owasp-role');
    assertInvalid(await api.post('/api/v1/auth/register', { email, password: 'a-long-enough-password', role: 'admin' }), ['role']);
    assertProblem(await api.post('/api/v1/auth/login', { email, password: 'a-long-enough-password' }), 401, 'invalid-credentials', 'no account was made');
    const me = await userA.get('/api/v1/auth/me');
    assert.equal(me.body.role, 'user');
    assert.doesNotMatch(me.text, /password|hash/i);
    // Owner fields are set by presets, never by the caller.
    assertInvalid(await notesB.create({ title: 'mine?', owner: a.user.id }), ['owner']);
    assertInvalid(await notesA.patch(noteA.id, { owner: b.user.id }), ['owner']);
    assertInvalid(await userB.post('/api/v1/batch', { operations: [{ action: 'create', collection: 'owasp_notes', data: { title: 'x', owner: a.user.id } }] }), ['operations[0].data.owner']);
    // A field outside the allow-lists is neither writable nor readable, nor usable to probe values.
    assertInvalid(await notesA.patch(noteA.id, { secret: 'x' }), ['secret']);
    const own = await notesA.get(noteA.id);
    assert.equal(own.status, 200);
    assert.ok(!('secret' in own.body));
    assertInvalid(await notesA.list({ filter: { secret: 'only admins see this' } }), ['filter.secret']);
    assert.equal((await adminNotes.get(noteA.id)).body.owner, a.user.id);
  });

  test('API4 unrestricted resource consumption: capped page size, body size 413, login and reset requests 429', async () => {
    assertInvalid(await notesA.list({ limit: 501 }), ['limit']);
    assertInvalid(await notesA.list({ limit: 0 }), ['limit']);
    assert.equal((await notesA.list({ limit: 500 })).status, 200);
    assertProblem(await adminNotes.create({ title: 'x'.repeat(1_100_000) }), 413, 'payload-too-large');

    const victim = await make.user(api);
    let login: ApiResponse | undefined;
    for (let i = 0; i <= LOGIN_MAX; i++) login = await api.post('/api/v1/auth/login', { email: victim.user.email, password: 'wrong-password-guess' });
    assertProblem(login!, 429, 'too-many-login-attempts');
    assert.ok(Number(login!.headers.get('retry-after')) > 0);

    let reset: ApiResponse | undefined;
    for (let i = 0; i <= EMAIL_MAX; i++) reset = await api.post('/api/v1/auth/password-reset/request', { email: victim.user.email });
    assertProblem(reset!, 429, 'too-many-email-requests');
    assert.ok(Number(reset!.headers.get('retry-after')) > 0);
  });

  test('API5 broken function level authorization: every administrator route in the live OpenAPI document is 401 anonymous, 403 for a user and for API keys', async (t) => {
    const document = await api.get('/docs/openapi.json');
    assert.equal(document.status, 200);
    const routes: { method: string; path: string }[] = [];
    for (const [path, item] of Object.entries(document.body.paths as Record<string, Record<string, { 'x-basalt-roles'?: string[] }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        if (operation && typeof operation === 'object' && operation['x-basalt-roles']?.includes('admin')) routes.push({ method: method.toUpperCase(), path: concrete(path, 'owasp_notes') });
      }
    }
    const listed = routes.map((r) => `${r.method} ${r.path}`);
    // Sanity: the enumeration finds the administrator surface, static and per collection.
    for (const expected of ['GET /api/v1/users', 'POST /api/v1/collections', 'DELETE /api/v1/collections/owasp_notes', 'POST /api/v1/permissions', 'GET /api/v1/collections/owasp_notes/trash']) {
      assert.ok(listed.includes(expected), `${expected} is among the ${listed.length} listed: ${listed.join(', ')}`);
    }
    assert.ok(routes.length >= 12 && routes.length <= 200, `${routes.length} administrator routes`);
    t.diagnostic(`${routes.length} administrator routes: ${listed.join(', ')}`);

    const userKey = await userA.post('/api/v1/api-keys', { name: 'owasp', scopes: [{ collection: '*', actions: ['read', 'create', 'update', 'delete'] }] });
    assert.equal(userKey.status, 201, userKey.text);
    const adminKey = await admin.post('/api/v1/api-keys', { name: 'owasp', scopes: [{ collection: 'owasp_elsewhere', actions: ['read'] }] });
    assert.equal(adminKey.status, 201, adminKey.text);
    for (const { method, path } of routes) {
      const body = method === 'GET' ? undefined : {};
      const name = `${method} ${path}`;
      assertProblem(await api.request(method, path, { body }), 401, 'unauthorized', `${name} anonymous`);
      assertProblem(await userB.request(method, path, { body }), 403, 'forbidden', `${name} as a user`);
      const byUserKey = await api.request(method, path, { body, headers: { 'x-api-key': userKey.body.key } });
      assert.equal(byUserKey.status, 403, `${name} with a user's API key: ${byUserKey.text}`);
      const byAdminKey = await api.request(method, path, { body, headers: { 'x-api-key': adminKey.body.key } });
      assert.equal(byAdminKey.status, 403, `${name} with an administrator's key scoped elsewhere: ${byAdminKey.text}`);
    }
    // Control: the GET routes do exist for an administrator (not 401/403/405), so the refusals above were authorization.
    for (const { path } of routes.filter((r) => r.method === 'GET')) {
      const answer = await admin.get(path);
      assert.ok(![401, 403, 405].includes(answer.status), `GET ${path} as administrator: ${answer.status}`);
    }
    assert.equal((await adminNotes.get(noteA.id)).status, 200, 'nothing was deleted on the way');
  });

  test('API6 unrestricted access to sensitive business flows: reset requests answer the same for unknown emails; sign-up and email flows are limited', async () => {
    const known = await api.post('/api/v1/auth/password-reset/request', { email: b.user.email });
    const unknown = await api.post('/api/v1/auth/password-reset/request', { email: make.email('nobody') });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, known.status);
    assert.deepEqual(unknown.body, known.body, 'no account enumeration');
    // Limits on these flows: API4 here, email-request-limits.e2e-spec.ts and login-throttle.e2e-spec.ts in depth;
    // sign-up can be closed altogether with BASALT_REGISTRATION_OPEN=false (auth.e2e-spec.ts).
  });

  test('API7 server side request forgery: not applicable yet', { skip: 'Basalt fetches no URL a client supplies: OpenID issuers come from BASALT_OIDC_PROVIDERS only; webhooks (BASALT_OUTBOUND_ALLOWLIST) must add SSRF tests with their issue' }, () => {});

  test('API8 security misconfiguration: hardened headers, no stack or framework in errors, no wildcard CORS', async () => {
    const answer = await api.get('/api/v1/auth/me', { headers: { origin: 'https://evil.example' } });
    assertProblem(answer, 401, 'unauthorized');
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('x-powered-by'), null);
    assert.ok(answer.headers.get('x-request-id'));
    const allowed = answer.headers.get('access-control-allow-origin');
    assert.ok(allowed !== '*' && allowed !== 'https://evil.example', `CORS: ${allowed}`);
    const broken = await api.request('POST', '/api/v1/auth/login', { raw: '{"email":', headers: { 'content-type': 'application/json' } });
    assert.equal(broken.status, 400, broken.text);
    assert.doesNotMatch(broken.text, /at \w+ \(|node_modules|fastify|nestjs|SyntaxError/i, 'no stack or internals');
    assert.match(broken.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  test('API9 improper inventory management: one versioned surface, all of it in the live OpenAPI document', async () => {
    const document = (await api.get('/docs/openapi.json')).body;
    const paths = Object.keys(document.paths);
    assert.ok(paths.every((p) => p.startsWith('/api/v1/') || p.startsWith('/health') || p === '/metrics'), paths.filter((p) => !p.startsWith('/api/v1/')).join(', '));
    assert.ok(paths.includes('/api/v1/collections/owasp_notes/records'), 'the live collection is documented');
    assertProblem(await api.post('/api/v2/auth/login', { email: a.user.email, password: a.password }), 404, 'not-found', 'no other version');
    assertProblem(await api.post('/api/auth/login', { email: a.user.email, password: a.password }), 404, 'not-found', 'no unversioned alias');
  });

  test('API10 unsafe consumption of APIs: not applicable here', { skip: 'The one third-party API consumed is the OpenID provider: state, nonce, PKCE, issuer and ID-token checks are in oidc.e2e-spec.ts; webhooks will add theirs' }, () => {});
});
