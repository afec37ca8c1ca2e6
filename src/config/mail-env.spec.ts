import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEnvironment } from './env.schema';
import { AppConfig } from './app-config';

test('mail and link defaults', () => {
  const config = new AppConfig(validateEnvironment({ PORT: '8080' }));
  assert.equal(config.publicUrl, 'http://localhost:8080');
  assert.equal(config.appUrl, 'http://localhost:8080');
  assert.equal(config.mail.smtpUrl, undefined);
  assert.equal(config.mail.from, 'Basalt <no-reply@localhost>');
  assert.deepEqual(config.emailTokens, { verificationTtl: 172800, passwordResetTtl: 3600 });
});

test('public and app URLs lose their trailing slash; the app URL falls back to the public one', () => {
  const config = new AppConfig(validateEnvironment({ BASALT_PUBLIC_URL: 'https://api.example.com/', BASALT_APP_URL: 'https://app.example.com/account/' }));
  assert.equal(config.publicUrl, 'https://api.example.com');
  assert.equal(config.appUrl, 'https://app.example.com/account');
  assert.equal(new AppConfig(validateEnvironment({ BASALT_PUBLIC_URL: 'https://api.example.com' })).appUrl, 'https://api.example.com');
});

test('SMTP URLs and From addresses are validated, and a bad SMTP URL is never echoed', () => {
  for (const url of ['smtp://mail.example.com', 'smtps://user:p%40ss@mail.example.com:465', 'smtp://127.0.0.1:2525/', 'smtp://[::1]:25', 'smtp://u:p@h.example?tls.rejectUnauthorized=false']) {
    assert.equal(new AppConfig(validateEnvironment({ BASALT_SMTP_URL: url })).mail.smtpUrl, url, url);
  }
  for (const url of ['http://mail.example.com', 'smtp://', 'smtp://user:secret-pass@', 'mail.example.com:25']) {
    assert.throws(
      () => validateEnvironment({ BASALT_SMTP_URL: url }),
      (error: Error) => /BASALT_SMTP_URL: must be an smtp/.test(error.message) && !error.message.includes('secret-pass'),
      url,
    );
  }
  for (const from of ['no-reply@example.com', 'Basalt <no-reply@example.com>', '"Ada, Inc." <a@b.example>']) {
    assert.equal(new AppConfig(validateEnvironment({ BASALT_MAIL_FROM: from })).mail.from, from);
  }
  assert.throws(() => validateEnvironment({ BASALT_MAIL_FROM: 'not an address' }), /BASALT_MAIL_FROM/);
  assert.throws(() => validateEnvironment({ BASALT_PUBLIC_URL: 'ftp://x' }), /BASALT_PUBLIC_URL/);
  assert.throws(() => validateEnvironment({ BASALT_APP_URL: 'https://app.example/?a=1' }), /BASALT_APP_URL/);
});

test('token lifetimes are whole seconds, at least 1', () => {
  const config = new AppConfig(validateEnvironment({ BASALT_EMAIL_VERIFICATION_TTL: '2', BASALT_PASSWORD_RESET_TTL: '1' }));
  assert.deepEqual(config.emailTokens, { verificationTtl: 2, passwordResetTtl: 1 });
  assert.throws(() => validateEnvironment({ BASALT_PASSWORD_RESET_TTL: '0' }), /BASALT_PASSWORD_RESET_TTL/);
  assert.throws(() => validateEnvironment({ BASALT_EMAIL_VERIFICATION_TTL: '1.5' }), /BASALT_EMAIL_VERIFICATION_TTL/);
});
