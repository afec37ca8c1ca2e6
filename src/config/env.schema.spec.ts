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

test('read replicas: PostgreSQL URLs for a PostgreSQL primary, each one listed', () => {
  const config = new AppConfig(
    validateEnvironment({ DATABASE_URL: 'postgres://app@db1/basalt', DATABASE_REPLICA_URLS: ' postgres://app@db2/basalt, postgresql://app@db3:5433/basalt ', BASALT_REPLICA_MAX_LAG_MS: '2000' }),
  );
  assert.deepEqual(config.database.replicas, { urls: ['postgres://app@db2/basalt', 'postgresql://app@db3:5433/basalt'], maxLagMs: 2000 });
  assert.deepEqual(new AppConfig(validateEnvironment({ DATABASE_URL: 'postgres://app@db1/basalt' })).database.replicas, { urls: [], maxLagMs: 5000 });
});

test('read replicas are refused for the embedded database, a MySQL primary or a URL of another scheme', () => {
  assert.throws(() => validateEnvironment({ DATABASE_REPLICA_URLS: 'postgres://app@db2/basalt' }), /DATABASE_REPLICA_URLS: the embedded database has no replicas/);
  assert.throws(
    () => validateEnvironment({ DATABASE_URL: 'mysql://root@db1/basalt', DATABASE_REPLICA_URLS: 'postgres://app@db2/basalt' }),
    /DATABASE_REPLICA_URLS: replicas are supported with a PostgreSQL primary only/,
  );
  assert.throws(
    () => validateEnvironment({ DATABASE_URL: 'postgres://app@db1/basalt', DATABASE_REPLICA_URLS: 'postgres://app@db2/basalt,mysql://root@db3/basalt' }),
    /DATABASE_REPLICA_URLS: must be a comma-separated list of postgres:\/\/ or postgresql:\/\/ URLs/,
  );
  assert.throws(() => validateEnvironment({ DATABASE_URL: 'postgres://app@db1/basalt', BASALT_REPLICA_MAX_LAG_MS: '10' }), /BASALT_REPLICA_MAX_LAG_MS/);
});
