import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionOfMethod, hashSecret, mintApiKey, parseApiKey, presentedApiKey, scopesAllow, secretMatches } from './api-key-format';

test('a minted key parses back to its id, and only its secret matches the stored hash', () => {
  const { id, key, secretHash } = mintApiKey();
  assert.match(key, /^bsk_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
  const parsed = parseApiKey(key)!;
  assert.equal(parsed.id, id);
  assert.equal(Buffer.from(parsed.secret, 'base64url').length, 32, '256-bit secret');
  assert.equal(secretHash, hashSecret(parsed.secret));
  assert.ok(secretMatches(parsed.secret, secretHash));
  assert.ok(!secretMatches(parsed.secret.slice(0, -1) + (parsed.secret.endsWith('A') ? 'B' : 'A'), secretHash));
  assert.ok(!secretMatches(parsed.secret, 'abc'));
});

test('malformed keys do not parse', () => {
  for (const key of ['', 'bsk_', 'bsk_123_abc', `bsk_${'0'.repeat(36)}_${'a'.repeat(43)}`, mintApiKey().key + 'x', mintApiKey().key.replace('bsk_', 'bsx_')]) {
    assert.equal(parseApiKey(key), undefined, key);
  }
});

test('a request presents a key in X-API-Key or as a bsk_ bearer token; JWT bearers are not keys', () => {
  assert.equal(presentedApiKey({ 'x-api-key': ' bsk_x ' }), 'bsk_x');
  assert.equal(presentedApiKey({ 'x-api-key': 'junk' }), 'junk');
  assert.equal(presentedApiKey({ authorization: 'Bearer bsk_abc' }), 'bsk_abc');
  assert.equal(presentedApiKey({ authorization: 'Bearer eyJhbGciOi.x.y' }), undefined);
  assert.equal(presentedApiKey({}), undefined);
});

test('scopes allow an action on a named collection or on every collection with *', () => {
  const scopes = [{ collection: 'articles', actions: ['read' as const, 'create' as const] }, { collection: '*', actions: ['read' as const] }];
  assert.ok(scopesAllow(scopes, 'articles', 'create'));
  assert.ok(scopesAllow(scopes, 'notes', 'read'));
  assert.ok(!scopesAllow(scopes, 'notes', 'create'));
  assert.ok(!scopesAllow(scopes, 'articles', 'delete'));
  assert.ok(!scopesAllow([], 'articles', 'read'));
  assert.deepEqual(['GET', 'POST', 'PATCH', 'DELETE'].map(actionOfMethod), ['read', 'create', 'update', 'delete']);
});
