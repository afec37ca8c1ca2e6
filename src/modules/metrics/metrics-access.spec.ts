import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAddressList } from 'src/common/net/address-list';
import { mayScrape } from './metrics-access';

describe('metrics access', () => {
  const allow = parseAddressList('127.0.0.1, ::1, 10.0.0.0/8, fd00::/8');

  test('addresses inside the list may scrape, others may not', () => {
    const policy = { allow };
    assert.equal(mayScrape(policy, '127.0.0.1', undefined), true);
    assert.equal(mayScrape(policy, '::ffff:127.0.0.1', undefined), true, 'IPv4-mapped IPv6');
    assert.equal(mayScrape(policy, '::1', undefined), true);
    assert.equal(mayScrape(policy, '10.200.3.4', undefined), true);
    assert.equal(mayScrape(policy, 'fd12::1', undefined), true);
    assert.equal(mayScrape(policy, '11.0.0.1', undefined), false);
    assert.equal(mayScrape(policy, '127.0.0.2', undefined), false, 'a single address is not a range');
    assert.equal(mayScrape(policy, undefined, undefined), false);
    assert.equal(mayScrape(policy, 'not-an-ip', undefined), false);
  });

  test('the token lets any address in, and only the exact token', () => {
    const policy = { allow: parseAddressList(''), token: 's3cret-token' };
    assert.equal(mayScrape(policy, '203.0.113.9', 'Bearer s3cret-token'), true);
    assert.equal(mayScrape(policy, '203.0.113.9', 'Bearer s3cret-tokem'), false);
    assert.equal(mayScrape(policy, '203.0.113.9', 'Bearer s3cret'), false);
    assert.equal(mayScrape(policy, '203.0.113.9', 's3cret-token'), false, 'not a bearer header');
    assert.equal(mayScrape(policy, '203.0.113.9', undefined), false);
  });

  test('bad entries are refused by name', () => {
    assert.throws(() => parseAddressList('10.0.0.0/33'), /"10\.0\.0\.0\/33" has a bad prefix length/);
    assert.throws(() => parseAddressList('10.0.0.0/x'), /bad prefix length/);
    assert.throws(() => parseAddressList('example.com'), /"example\.com" is not an IP address/);
  });
});
