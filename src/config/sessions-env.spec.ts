import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEnvironment } from './env.schema';
import { AppConfig } from './app-config';

test('login throttling, revocation resync and trusted proxies have safe defaults', () => {
  const config = new AppConfig(validateEnvironment({}));
  assert.deepEqual(config.login, { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, lockSeconds: 900 });
  assert.deepEqual(config.revocation, { resyncSeconds: 15 });
  assert.equal(config.trustProxy, false);
});

test('they are read and validated', () => {
  const config = new AppConfig(
    validateEnvironment({ BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', BASALT_LOGIN_MAX_FAILURES_PER_IP: '20', BASALT_LOGIN_LOCK_SECONDS: '60', BASALT_REVOCATION_RESYNC_SECONDS: '5' }),
  );
  assert.deepEqual(config.login, { maxFailuresPerAccount: 3, maxFailuresPerIp: 20, lockSeconds: 60 });
  assert.equal(config.revocation.resyncSeconds, 5);
  assert.throws(
    () => validateEnvironment({ BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT: '0', BASALT_LOGIN_LOCK_SECONDS: 'forever', BASALT_REVOCATION_RESYNC_SECONDS: '0', BASALT_TRUST_PROXY: 'sometimes' }),
    (error: Error) => ['BASALT_LOGIN_MAX_FAILURES_PER_ACCOUNT', 'BASALT_LOGIN_LOCK_SECONDS', 'BASALT_REVOCATION_RESYNC_SECONDS', 'BASALT_TRUST_PROXY'].every((name) => error.message.includes(`${name}:`)),
  );
});

test('BASALT_TRUST_PROXY: a flag, a hop count or a list of proxies', () => {
  const trust = (value: string) => new AppConfig(validateEnvironment({ BASALT_TRUST_PROXY: value })).trustProxy;
  assert.equal(trust('true'), true);
  assert.equal(trust('1'), 1);
  assert.deepEqual(trust('10.0.0.0/8, 127.0.0.1,::1'), ['10.0.0.0/8', '127.0.0.1', '::1']);
});
