import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const secret = 'whsec_test';
const body = '{"id":"1","type":"records.create"}';

test('the signature is t=<seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>">', () => {
  const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
  assert.equal(signWebhook(secret, body, 1700000000), `t=1700000000,v1=${expected}`);
});

test('a receiver accepts its own signature within the tolerance', () => {
  assert.equal(verifyWebhookSignature(secret, body, signWebhook(secret, body, 1000), 1200), true);
});

test('a changed body, another secret, an old timestamp or a malformed header are rejected', () => {
  const header = signWebhook(secret, body, 1000);
  assert.equal(verifyWebhookSignature(secret, `${body} `, header, 1000), false);
  assert.equal(verifyWebhookSignature('other', body, header, 1000), false);
  assert.equal(verifyWebhookSignature(secret, body, header, 1000 + 301), false, 'replayed after the tolerance');
  assert.equal(verifyWebhookSignature(secret, body, header.replace('t=1000', 't=1001'), 1000), false, 'timestamp is signed too');
  assert.equal(verifyWebhookSignature(secret, body, 'v1=abc', 1000), false);
  assert.equal(verifyWebhookSignature(secret, body, '', 1000), false);
});
