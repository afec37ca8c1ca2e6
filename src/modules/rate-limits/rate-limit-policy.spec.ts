import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketFor, rateLimitHeaders } from './rate-limit-policy';

const settings = { windowMs: 60_000, anonymous: 100, user: 1000, apiKey: 2000, auth: 20 };

describe('rate-limit policy', () => {
  test('anonymous callers spend their address, users their id, API keys their key', () => {
    assert.deepEqual(bucketFor('/api/v1/collections/a/records', { ip: '10.0.0.1' }, settings), { group: 'api', subject: 'ip:10.0.0.1', limit: 100 });
    assert.deepEqual(bucketFor('/api/v1/collections/a/records', { ip: '10.0.0.1', userId: 'u1' }, settings), { group: 'api', subject: 'user:u1', limit: 1000 });
    assert.deepEqual(bucketFor('/api/v1/batch', { ip: '10.0.0.1', userId: 'u1', apiKeyId: 'k1' }, settings), { group: 'api', subject: 'key:k1', limit: 2000 });
  });

  test('auth routes are limited per address whoever calls; health, metrics and docs never', () => {
    assert.deepEqual(bucketFor('/api/v1/auth/login', { ip: '10.0.0.2', userId: 'u1' }, settings), { group: 'auth', subject: 'ip:10.0.0.2', limit: 20 });
    for (const path of ['/health/ready', '/health/live', '/metrics', '/docs', '/docs/openapi.json']) assert.equal(bucketFor(path, { ip: '1.2.3.4' }, settings), undefined, path);
    assert.notEqual(bucketFor('/metricsx', { ip: '1.2.3.4' }, settings), undefined);
  });

  test('a limit of 0 is off', () => {
    const off = { ...settings, anonymous: 0, auth: 0 };
    assert.equal(bucketFor('/api/v1/collections/a/records', { ip: '10.0.0.1' }, off), undefined);
    assert.equal(bucketFor('/api/v1/auth/login', { ip: '10.0.0.1' }, off), undefined);
  });

  test('headers count down and add Retry-After once over', () => {
    assert.deepEqual(rateLimitHeaders(10, { allowed: true, remaining: 7, resetMs: 42_300 }, 60_000), { 'ratelimit-limit': '10', 'ratelimit-remaining': '7', 'ratelimit-reset': '43', 'ratelimit-policy': '10;w=60' });
    const over = rateLimitHeaders(10, { allowed: false, remaining: 0, resetMs: 900 }, 60_000);
    assert.equal(over['ratelimit-remaining'], '0');
    assert.equal(over['retry-after'], '1');
  });
});
