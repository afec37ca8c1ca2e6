import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createTestEnvironment, startBasalt, type BasaltProcess, type TestEnvironment } from '../support/basalt';

describe('graceful shutdown', () => {
  let env: TestEnvironment;
  let basalt: BasaltProcess;

  before(async () => {
    env = await createTestEnvironment({ BASALT_DRAIN_DELAY_MS: '800' });
    basalt = await startBasalt({ env: env.env, waitForReady: true });
  });

  after(async () => {
    await basalt?.stop('SIGKILL');
    await env?.cleanup();
  });

  test('SIGTERM: ready turns 503, a slow request in flight still completes, then the process exits 0', async () => {
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password' });
    const half = Math.floor(body.length / 2);
    let sentRest = false;
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${basalt.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, half));
      // The rest arrives after the drain delay, while the listener is closing.
      setTimeout(() => {
        sentRest = true;
        req.end(body.slice(half));
      }, 1500);
    });
    await new Promise((r) => setTimeout(r, 100));
    basalt.child.kill('SIGTERM');

    await new Promise((r) => setTimeout(r, 300));
    const draining = await fetch(`${basalt.url}/health/ready`);
    assert.equal(draining.status, 503);
    assert.equal(((await draining.json()) as any).details.shutdown.status, 'down');

    const response = await inFlight;
    assert.ok(sentRest);
    assert.equal(response.status, 401, response.body);
    assert.equal(await basalt.exited, 0, basalt.output());
    await assert.rejects(fetch(`${basalt.url}/health/live`));
  });
});
