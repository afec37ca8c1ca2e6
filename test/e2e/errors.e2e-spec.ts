import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';
import { client, type Client } from '../support/http';

describe('errors are problem details, never a 500', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;
  let api: Client;

  before(async () => {
    env = await createTestEnvironment({ BASALT_BODY_LIMIT: '4096', CORS_ORIGINS: 'https://app.example' });
    basalt = await startBasalt({ env: env.env });
    api = client(basalt.url);
  });

  after(async () => {
    await basalt?.stop();
    await env?.cleanup();
  });

  function assertProblem(response: { status: number; headers: Headers; body: any }, status: number, type: string) {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type')!, /^application\/problem\+json/);
    assert.equal(response.body.status, status);
    assert.equal(response.body.type, `urn:basalt:problem:${type}`);
    assert.equal(typeof response.body.title, 'string');
    assert.equal(response.body.requestId, response.headers.get('x-request-id'));
  }

  test('malformed JSON is a 400 that says so', async () => {
    const response = await api.request('POST', '/api/v1/auth/login', { raw: '{"email": "a@b.co",', headers: { 'content-type': 'application/json' } });
    assertProblem(response, 400, 'malformed-body');
    assert.match(response.body.detail, /JSON/);
  });

  test('an unknown route is a 404', async () => {
    const response = await api.get('/api/v1/no-such-thing');
    assertProblem(response, 404, 'not-found');
    assert.equal(response.body.instance, '/api/v1/no-such-thing');
  });

  test('a body over the limit is a 413', async () => {
    const response = await api.post('/api/v1/auth/login', { email: 'a@b.co', password: 'x'.repeat(8000) });
    assertProblem(response, 413, 'payload-too-large');
  });

  test('an unsupported media type is a 415', async () => {
    const response = await api.request('POST', '/api/v1/auth/login', { raw: 'email,password', headers: { 'content-type': 'text/csv' } });
    assertProblem(response, 415, 'unsupported-media-type');
  });

  test('validation failures list every field', async () => {
    const response = await api.post('/api/v1/auth/register', { email: 42, password: ['x'], surprise: true });
    assertProblem(response, 400, 'validation-failed');
    const byField = Object.fromEntries(response.body.errors.map((e: { field: string; message: string }) => [e.field, e.message]));
    assert.deepEqual(Object.keys(byField).sort(), ['email', 'password', 'surprise']);
    assert.equal(byField.surprise, 'is not an accepted field');
  });

  test('x-request-id is echoed when sane and generated otherwise, on every response', async () => {
    const echoed = await api.get('/health/live', { headers: { 'x-request-id': 'trace-42.a:b' } });
    assert.equal(echoed.headers.get('x-request-id'), 'trace-42.a:b');
    const insane = await api.get('/api/v1/nope', { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(insane.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    assert.equal(insane.body.requestId, insane.headers.get('x-request-id'));
  });

  test('a body sent slowly and cut off mid-way leaves the server healthy', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${basalt.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
      req.on('error', () => resolve());
      req.write('{"email":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    assert.equal((await api.get('/health/live')).status, 200);
  });

  test('security headers and CORS from configuration', async () => {
    const response = await fetch(`${basalt.url}/api/v1/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await fetch(`${basalt.url}/health/live`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal(other.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(other.headers.get('content-security-policy'));
  });
});
