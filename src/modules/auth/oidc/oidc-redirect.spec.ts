import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedAppRedirect, bindingCookie, bindingFromCookies, withAnswerInFragment } from './oidc-redirect';

const base = 'https://app.example.com/auth/done';

test('URLs at or below the configured path on the same origin are allowed, normalised', () => {
  assert.equal(allowedAppRedirect('https://app.example.com/auth/done', base), 'https://app.example.com/auth/done');
  assert.equal(allowedAppRedirect('https://app.example.com/auth/done/next?tab=2', base), 'https://app.example.com/auth/done/next?tab=2');
  assert.equal(allowedAppRedirect('HTTPS://APP.EXAMPLE.COM:443/auth/done', base), 'https://app.example.com/auth/done');
  assert.equal(allowedAppRedirect('https://app.example.com/', 'https://app.example.com/'), 'https://app.example.com/');
  assert.equal(allowedAppRedirect('com.example.app:/oauth/cb', 'com.example.app:/oauth'), 'com.example.app:/oauth/cb');
});

test('anything else is refused: other hosts, ports, schemes, sibling paths, traversal, credentials, fragments', () => {
  const refused = [
    'https://app.example.com.evil.example/auth/done',
    'https://evil.example/auth/done',
    'https://app.example.com@evil.example/auth/done',
    'https://user:pw@app.example.com/auth/done',
    'http://app.example.com/auth/done',
    'https://app.example.com:8443/auth/done',
    'https://app.example.com/auth/donex',
    'https://app.example.com/auth',
    'https://app.example.com/auth/done/../../evil',
    'https://app.example.com/auth/done/%2e%2e/%2e%2e/evil',
    'https://app.example.com/auth/done#x',
    '//evil.example/auth/done',
    '/auth/done',
    'javascript:alert(1)',
    'not a url',
  ];
  for (const url of refused) assert.equal(allowedAppRedirect(url, base), undefined, url);
  assert.equal(allowedAppRedirect('https://app.example.com/auth/done', undefined), undefined);
});

test('tokens travel in the fragment, after any query the app URL has', () => {
  const url = withAnswerInFragment('https://app.example.com/auth/done?x=1', { accessToken: 'a.b.c', refreshToken: 'r+/=', expiresIn: 900 });
  const parsed = new URL(url);
  assert.equal(parsed.search, '?x=1');
  const fragment = new URLSearchParams(parsed.hash.slice(1));
  assert.equal(fragment.get('accessToken'), 'a.b.c');
  assert.equal(fragment.get('refreshToken'), 'r+/=');
  assert.equal(fragment.get('expiresIn'), '900');
});

test('an MFA challenge travels in the fragment instead of tokens', () => {
  const url = withAnswerInFragment('https://app.example.com/auth/done', { mfaRequired: true, mfaToken: 'm-t_k', mfaExpiresIn: 300 });
  const fragment = new URLSearchParams(new URL(url).hash.slice(1));
  assert.deepEqual([...fragment.keys()].sort(), ['mfaExpiresIn', 'mfaRequired', 'mfaToken']);
  assert.equal(fragment.get('mfaRequired'), 'true');
  assert.equal(fragment.get('mfaToken'), 'm-t_k');
  assert.equal(fragment.get('mfaExpiresIn'), '300');
});

test('the binding cookie: read back only when well formed', () => {
  const value = 'A'.repeat(43);
  assert.equal(bindingFromCookies(`other=1; basalt_oidc=${value}; x=y`), value);
  assert.equal(bindingFromCookies('basalt_oidc=short'), undefined);
  assert.equal(bindingFromCookies(undefined), undefined);
  assert.match(bindingCookie(value, 600, true, '/api/v1/auth/oidc'), /^basalt_oidc=A{43}; Max-Age=600; Path=\/api\/v1\/auth\/oidc; HttpOnly; SameSite=Lax; Secure$/);
  assert.doesNotMatch(bindingCookie(value, 600, false, '/'), /Secure/);
});
