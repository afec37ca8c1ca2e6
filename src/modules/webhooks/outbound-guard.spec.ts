import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBlockedAddress, outboundPolicy } from './outbound-guard';

test('loopback, private, link-local, metadata, CGNAT, multicast and reserved addresses are blocked', () => {
  const blocked = ['127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', 'ff02::1', 'not-an-ip'];
  for (const address of blocked) assert.equal(isBlockedAddress(address), true, address);
});

test('public addresses pass', () => {
  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8']) assert.equal(isBlockedAddress(address), false, address);
});

test('the allow-list admits named hosts, addresses and CIDR ranges, and nothing else', () => {
  const policy = outboundPolicy(['receiver.internal', '127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
  assert.equal(policy.allows('receiver.internal', '10.9.9.9'), true, 'by host name');
  assert.equal(policy.allows('RECEIVER.internal', '10.9.9.9'), true, 'host names ignore case');
  assert.equal(policy.allows('localhost', '127.0.0.1'), true, 'by address');
  assert.equal(policy.allows('x', '10.1.200.3'), true, 'by CIDR');
  assert.equal(policy.allows('x', 'fd00::5'), true, 'by IPv6 CIDR');
  assert.equal(policy.allows('x', '10.2.0.1'), false);
  assert.equal(policy.allows('x', '127.0.0.2'), false);
  assert.equal(policy.allows('x', '169.254.169.254'), false);
  assert.equal(policy.allows('example.com', '93.184.216.34'), true, 'public stays allowed');
});

test('without an allow-list nothing internal passes', () => {
  const policy = outboundPolicy([]);
  assert.equal(policy.allows('localhost', '127.0.0.1'), false);
  assert.equal(policy.allows('[::1]', '::1'), false);
  assert.equal(policy.allows('example.com', '93.184.216.34'), true);
});
