import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOidcProviders } from './oidc-providers';
import { ConfigValidationError, validateEnvironment } from './env.schema';
import { AppConfig } from './app-config';

const valid = { name: 'acme', issuer: 'https://id.acme.example', clientId: 'basalt', clientSecret: 's3cr3t-value' };

test('unset or blank means no providers', () => {
  assert.deepEqual(parseOidcProviders(undefined), { providers: [], problems: [] });
  assert.deepEqual(new AppConfig(validateEnvironment({ BASALT_OIDC_PROVIDERS: ' ' })).oidc.providers, []);
});

test('a valid list: default scopes, openid always included', () => {
  const { providers, problems } = parseOidcProviders(
    JSON.stringify([valid, { name: 'local', issuer: 'http://127.0.0.1:4000/oidc', clientId: 'c', scopes: ['email'], appRedirectUri: 'https://app.example/cb' }]),
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(providers[0].scopes, ['openid', 'email', 'profile']);
  assert.deepEqual(providers[1].scopes, ['openid', 'email']);
  assert.equal(providers[1].clientSecret, undefined);
  assert.equal(providers[1].appRedirectUri, 'https://app.example/cb');
});

test('every problem is named, with its index and setting', () => {
  const { providers, problems } = parseOidcProviders(
    JSON.stringify([
      { ...valid, name: 'Bad Name' },
      { ...valid, issuer: 'http://id.acme.example' },
      { ...valid, name: 'x', clientId: '' },
      { ...valid, name: 'acme' },
      { ...valid, name: 'y', scopes: 'openid' },
      { ...valid, name: 'z', appRedirectUri: 'javascript:alert(1)' },
      { ...valid, name: 'w', appRedirectUri: 'https://app.example/cb#x' },
      { ...valid, name: 'v', extra: true },
      'nope',
    ]),
  );
  assert.deepEqual(providers, []);
  const joined = problems.join('\n');
  for (const expected of ['[0].name', '[1].issuer must be an https://', '[2].clientId', '[3].name "acme" is used twice', '[4].scopes', '[5].appRedirectUri must not use javascript:', '[6].appRedirectUri', '[7].extra is not a known setting', '[8] must be an object']) {
    assert.ok(joined.includes(expected), `expected "${expected}" in:\n${joined}`);
  }
});

test('not JSON, or not an array', () => {
  assert.match(parseOidcProviders('{nope').problems[0], /JSON array/);
  assert.match(parseOidcProviders('{"name":"a"}').problems[0], /JSON array/);
});

test('the start fails naming BASALT_OIDC_PROVIDERS, never echoing a client secret', () => {
  try {
    validateEnvironment({ BASALT_OIDC_PROVIDERS: JSON.stringify([{ ...valid, issuer: 'ftp://x' }]) });
    assert.fail('expected a ConfigValidationError');
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    assert.match(error.message, /BASALT_OIDC_PROVIDERS: \[0\]\.issuer must be an https:\/\//);
    assert.doesNotMatch(error.message, /s3cr3t-value/);
  }
});
