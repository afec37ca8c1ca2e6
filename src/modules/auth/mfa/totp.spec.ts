import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totp } from './totp';
import { MfaSecrets, generateRecoveryCode } from './mfa-secrets';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

test('HOTP matches RFC 4226 appendix D', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => assert.equal(hotp(RFC_SECRET, counter), code));
});

test('TOTP matches RFC 6238 appendix B (SHA-1, 8 digits)', () => {
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, code] of vectors) assert.equal(hotp(RFC_SECRET, Math.floor(seconds / 30), 8), code);
});

test('base32 round-trips and reads the RFC secret', () => {
  assert.equal(base32Encode(RFC_SECRET), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.deepEqual(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq'), RFC_SECRET);
});

test('matchTotp accepts ±1 step and nothing further', () => {
  const now = 1_700_000_000_000;
  const step = Math.floor(now / 30_000);
  assert.equal(matchTotp(RFC_SECRET, totp(RFC_SECRET, now), now), step);
  assert.equal(matchTotp(RFC_SECRET, totp(RFC_SECRET, now - 30_000), now), step - 1);
  assert.equal(matchTotp(RFC_SECRET, totp(RFC_SECRET, now + 30_000), now), step + 1);
  assert.equal(matchTotp(RFC_SECRET, totp(RFC_SECRET, now - 60_000), now), undefined);
  assert.equal(matchTotp(RFC_SECRET, 'abcdef', now), undefined);
});

test('otpauth URI carries issuer, account and secret', () => {
  const raw = otpauthUri(RFC_SECRET, 'Basalt', 'ada@example.com');
  assert.ok(raw.startsWith('otpauth://totp/Basalt:ada%40example.com?'), raw);
  const uri = new URL(raw);
  assert.equal(uri.searchParams.get('secret'), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(uri.searchParams.get('issuer'), 'Basalt');
});

test('secrets are encrypted per user and recovery codes hashed with a derived key', () => {
  const box = new MfaSecrets('x'.repeat(40));
  const sealed = box.encrypt(RFC_SECRET, 'user-1');
  assert.ok(!sealed.includes(base32Encode(RFC_SECRET)));
  assert.deepEqual(box.decrypt(sealed, 'user-1'), RFC_SECRET);
  assert.throws(() => box.decrypt(sealed, 'user-2'));
  assert.throws(() => new MfaSecrets('y'.repeat(40)).decrypt(sealed, 'user-1'));
  const code = generateRecoveryCode();
  assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  assert.equal(box.hashRecoveryCode(code), box.hashRecoveryCode(code.toUpperCase().replace(/-/g, ' ')));
});
