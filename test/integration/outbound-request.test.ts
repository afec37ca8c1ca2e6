import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { outboundPolicy } from 'src/modules/webhooks/outbound-guard';
import { postGuarded, type OutboundRequest } from 'src/modules/webhooks/outbound-request';
import { WebhookReceiver } from '../support/webhook-receiver';

/** postGuarded against a real HTTP server on loopback, through the real resolver. */
describe('guarded outgoing requests', () => {
  let receiver: WebhookReceiver;
  const base = (url: string, allowlist: string[]): OutboundRequest => ({ url, headers: { 'content-type': 'text/plain' }, body: 'hi', policy: outboundPolicy(allowlist), timeoutMs: 2000, maxResponseBytes: 1024 });

  before(async () => {
    receiver = await WebhookReceiver.start();
    receiver.reply = (hook) => {
      if (hook.path === '/to-ip') return { status: 302, headers: { location: `http://127.0.0.1:${receiver.port}/ip` } };
      if (hook.path === '/to-metadata') return { status: 301, headers: { location: 'http://169.254.169.254/latest/meta-data/' } };
      if (hook.path === '/to-self') return { status: 308, headers: { location: '/ok' } };
      if (hook.path === '/loop') return { status: 307, headers: { location: '/loop' } };
      if (hook.path === '/big') return { status: 200, body: 'x'.repeat(100_000) };
      if (hook.path === '/slow') return new Promise((resolve) => setTimeout(() => resolve({ status: 200 }), 3000));
      return { status: 200, body: `got ${hook.raw}` };
    };
  });

  after(() => receiver.close());

  test('a loopback IP is refused without the allow-list, before any connection', async () => {
    const result = await postGuarded(base(receiver.url('/x'), []));
    assert.deepEqual(result.ok ? result : { refused: result.refused }, { refused: true });
    assert.equal(receiver.on('/x').length, 0);
  });

  test('a DNS name resolving to loopback is refused after resolution', async () => {
    const result = await postGuarded(base(`http://localhost:${receiver.port}/dns`, []));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.refused && /refused localhost \((127\.0\.0\.1|::1)\)/.test(result.error), JSON.stringify(result));
    assert.equal(receiver.on('/dns').length, 0);
  });

  test('allowed by host name, the request goes through with its body', async () => {
    const result = await postGuarded(base(`http://localhost:${receiver.port}/named`, ['localhost']));
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.statusCode, 200);
    assert.equal(result.body.toString(), 'got hi');
  });

  test('every redirect is checked again: loopback and metadata targets are refused', async () => {
    for (const path of ['/to-ip', '/to-metadata']) {
      const result = await postGuarded(base(`http://localhost:${receiver.port}${path}`, ['localhost']));
      assert.ok(!result.ok && result.refused, `${path}: ${JSON.stringify(result)}`);
    }
    assert.equal(receiver.on('/ip').length, 0);
  });

  test('allowed redirects are followed (the same POST), a few at most', async () => {
    const followed = await postGuarded(base(`http://localhost:${receiver.port}/to-self`, ['localhost']));
    assert.ok(followed.ok && followed.statusCode === 200, JSON.stringify(followed));
    assert.equal(receiver.on('/ok').at(-1)?.raw, 'hi');
    const loop = await postGuarded(base(`http://localhost:${receiver.port}/loop`, ['localhost']));
    assert.ok(!loop.ok && /more than 3 redirects/.test(loop.error), JSON.stringify(loop));
  });

  test('the answer is capped and a slow receiver times out', async () => {
    const big = await postGuarded(base(receiver.url('/big'), ['127.0.0.1']));
    assert.ok(big.ok, JSON.stringify(big));
    assert.equal(big.body.length, 1024);
    const started = Date.now();
    const slow = await postGuarded({ ...base(receiver.url('/slow'), ['127.0.0.1']), timeoutMs: 300 });
    assert.ok(!slow.ok && !slow.refused && /timed out/.test(slow.error), JSON.stringify(slow));
    assert.ok(Date.now() - started < 2000);
  });

  test('a closed port is a network error, not a refusal', async () => {
    const result = await postGuarded(base('http://127.0.0.1:1/x', ['127.0.0.1']));
    assert.ok(!result.ok && !result.refused, JSON.stringify(result));
  });
});
