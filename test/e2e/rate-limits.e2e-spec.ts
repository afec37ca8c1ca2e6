import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { TEST_DIALECT } from '../support/databases';
import { make } from '../support/factories';
import { client, type ApiResponse } from '../support/http';

const ONE_NODE_ONLY = TEST_DIALECT === 'embedded' ? 'the embedded database belongs to one process' : false;

function assertLimited(response: ApiResponse, context: string): void {
  assert.equal(response.status, 429, `${context}: ${response.status} ${response.text}`);
  assert.equal(response.body.type, 'urn:basalt:problem:rate-limited', context);
  assert.match(response.headers.get('retry-after') ?? '', /^\d+$/, `${context}: Retry-After`);
  assert.ok(Number(response.headers.get('retry-after')) >= 1 && Number(response.headers.get('retry-after')) <= 60);
  assert.equal(response.headers.get('ratelimit-remaining'), '0', context);
}

describe('rate limits: per address, per user, stricter on auth routes, shared by every node', () => {
  let env: TestEnvironment;
  const nodes: BasaltProcess[] = [];

  before(async () => {
    env = await createTestEnvironment({ BASALT_RATE_LIMIT_ANONYMOUS: '6', BASALT_RATE_LIMIT_USER: '10', BASALT_RATE_LIMIT_AUTH: '1000000' });
    nodes.push(await startBasalt({ env: env.env }));
    if (!ONE_NODE_ONLY) nodes.push(await startBasalt({ env: env.env }));
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await env?.cleanup();
  });

  test('anonymous callers spend one budget per address, across nodes; health and metrics are never limited', async () => {
    const seen: ApiResponse[] = [];
    for (let i = 0; i < 6; i++) seen.push(await client(nodes[i % nodes.length].url).get('/api/v1/collections/none/records'));
    for (const [i, response] of seen.entries()) {
      assert.notEqual(response.status, 429, `request ${i + 1} is within the budget`);
      assert.equal(response.headers.get('ratelimit-limit'), '6');
      assert.equal(response.headers.get('ratelimit-remaining'), String(5 - i), 'the count is shared by every node');
      assert.match(response.headers.get('ratelimit-policy') ?? '', /^6;w=60$/);
    }
    assertLimited(await client(nodes[nodes.length - 1].url).get('/api/v1/collections/none/records'), 'the 7th anonymous request');
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      const response = await client(nodes[0].url).get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('ratelimit-limit'), null, `${path} carries no limit`);
    }
  });

  test('a signed-in user has a budget of their own, apart from the address and from other users', async () => {
    const api = client(nodes[0].url);
    const alice = await make.user(api);
    const bob = await make.user(api);
    for (let i = 0; i < 10; i++) {
      const response = await client(nodes[i % nodes.length].url).get('/api/v1/auth/me', { token: alice.accessToken });
      assert.equal(response.status, 200, `alice's request ${i + 1}: ${response.text}`);
    }
    const me = await api.get('/api/v1/auth/me', { token: alice.accessToken });
    assert.notEqual(me.status, 429, 'auth routes spend the auth budget, not the user one');
    const records = await api.get('/api/v1/collections/none/records', { token: alice.accessToken });
    assert.equal(records.headers.get('ratelimit-limit'), '10');
    assert.equal(records.headers.get('ratelimit-remaining'), '9', 'the user budget is per user, not per address');
    const bobs = await api.get('/api/v1/collections/none/records', { token: bob.accessToken });
    assert.equal(bobs.headers.get('ratelimit-remaining'), '9', 'bob spends his own');
    for (let i = 0; i < 9; i++) await api.get('/api/v1/collections/none/records', { token: alice.accessToken });
    assertLimited(await client(nodes[nodes.length - 1].url).get('/api/v1/collections/none/records', { token: alice.accessToken }), "alice's 11th request");
    assert.notEqual((await api.get('/api/v1/collections/none/records', { token: bob.accessToken })).status, 429, 'bob is not limited by alice');
  });
});

describe('rate limits: nodes spend leased budget locally and together never admit more than the limit', { skip: ONE_NODE_ONLY }, () => {
  let env: TestEnvironment;
  const nodes: BasaltProcess[] = [];

  before(async () => {
    env = await createTestEnvironment({ BASALT_RATE_LIMIT_USER: '300', BASALT_RATE_LIMIT_AUTH: '1000000' });
    nodes.push(await startBasalt({ env: env.env }), await startBasalt({ env: env.env }));
  });

  after(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await env?.cleanup();
  });

  test('600 concurrent requests of one user over two nodes: exactly 300 pass, the rest get 429', async () => {
    const user = await make.user(client(nodes[0].url));
    const statuses: number[] = [];
    for (let wave = 0; wave < 30; wave++) {
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client(nodes[i % 2].url).get('/api/v1/collections/none/records', { token: user.accessToken })));
      statuses.push(...answers.map((answer) => answer.status));
    }
    const limited = statuses.filter((status) => status === 429).length;
    assert.equal(statuses.length - limited, 300, `admitted ${statuses.length - limited} of 600`);
    assert.equal(limited, 300);
  });
});

describe('rate limits: the auth routes have a stricter budget per address', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;

  before(async () => {
    env = await createTestEnvironment({ BASALT_RATE_LIMIT_AUTH: '3' });
    basalt = await startBasalt({ env: env.env });
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  test('the 4th auth request in the window is refused, whatever the route or credentials', async () => {
    const api = client(basalt.url);
    assert.equal((await api.post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'wrong-password-123' })).status, 401);
    assert.equal((await api.post('/api/v1/auth/refresh', { refreshToken: 'nope' })).status, 400, 'a malformed request still spends the budget');
    assert.equal((await api.post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'wrong-password-123' })).status, 401);
    assertLimited(await api.post('/api/v1/auth/register', { email: make.email(), password: 'a-long-enough-password' }), 'the 4th auth request');
    // Other routes are a different budget.
    assert.notEqual((await api.get('/api/v1/collections/none/records')).status, 429);
  });
});
