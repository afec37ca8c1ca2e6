import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, validateEnvironment } from './env.schema';
import { AppConfig } from './app-config';

test('defaults apply when nothing is set', () => {
  const config = new AppConfig(validateEnvironment({}), '/srv');
  assert.equal(config.port, 3000);
  assert.equal(config.database.kind, 'embedded');
  assert.equal(config.dataDir, '/srv/data');
  assert.equal(config.redis.mode, 'auto');
  assert.equal(config.http.corsOrigins, false);
});

test('every bad variable is named in one error', () => {
  try {
    validateEnvironment({ PORT: 'eighty', DATABASE_URL: 'sqlite://x', LOG_LEVEL: 'loud', BASALT_TYPO: '1' });
    assert.fail('expected a ConfigValidationError');
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    const names = error.problems.map((p) => p.split(':')[0]);
    assert.deepEqual(names.sort(), ['BASALT_TYPO', 'DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    assert.match(error.message, /PORT: .*got "eighty"/);
  }
});

test('production requires a long signing secret and never echoes it', () => {
  assert.throws(() => validateEnvironment({ NODE_ENV: 'production' }), /BASALT_JWT_SECRET: is required/);
  assert.throws(
    () => validateEnvironment({ BASALT_JWT_SECRET: 'short-secret-value' }),
    (error: Error) => /at least 32/.test(error.message) && !error.message.includes('short-secret-value'),
  );
});

test('the administrator needs both email and password', () => {
  assert.throws(() => validateEnvironment({ BASALT_ADMIN_EMAIL: 'a@b.co' }), /BASALT_ADMIN_PASSWORD/);
  assert.throws(() => validateEnvironment({ BASALT_ADMIN_PASSWORD: 'long-enough-pass' }), /BASALT_ADMIN_EMAIL/);
});

test('database and redis URLs pick their modes', () => {
  const config = new AppConfig(
    validateEnvironment({ DATABASE_URL: 'mariadb://root@127.0.0.1/x', REDIS_URL: 'embedded', CORS_ORIGINS: 'https://a.example, https://b.example' }),
  );
  assert.equal(config.database.kind, 'mysql');
  assert.equal(config.redis.mode, 'embedded');
  assert.deepEqual(config.http.corsOrigins, ['https://a.example', 'https://b.example']);
});
