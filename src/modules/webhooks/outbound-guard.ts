import { BlockList, isIP } from 'node:net';

/**
 * The SSRF policy for outgoing requests: no loopback, private, link-local
 * (cloud metadata lives there), carrier-grade NAT, multicast or reserved
 * address, unless the allow-list (BASALT_OUTBOUND_ALLOWLIST: host names, IPs,
 * CIDRs) names the host or the address. Pure code: the caller resolves DNS and
 * asks about every address it is about to connect to.
 */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const BLOCKED_V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

const blocked = new BlockList();
for (const [address, prefix] of BLOCKED_V4) blocked.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of BLOCKED_V6) blocked.addSubnet(address, prefix, 'ipv6');

export interface OutboundPolicy {
  /** May a request to `host` (as written in the URL) connect to `address`? */
  allows(host: string, address: string): boolean;
}

/** The default policy, widened by allow-list entries: host names (exact, case-insensitive), IP addresses or CIDR ranges. */
export function outboundPolicy(allowlist: readonly string[]): OutboundPolicy {
  const hosts = new Set<string>();
  const allowed = new BlockList();
  for (const entry of allowlist) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address);
    if (family && prefix !== undefined) allowed.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    else if (family) allowed.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
    else hosts.add(entry.toLowerCase());
  }
  return {
    allows(host, address) {
      if (hosts.has(unbracket(host).toLowerCase())) return true;
      const { value, family } = normalise(address);
      if (!family) return false;
      return allowed.check(value, family) || !blocked.check(value, family);
    },
  };
}

/** Whether an address is in the blocked ranges (ignoring any allow-list). */
export function isBlockedAddress(address: string): boolean {
  const { value, family } = normalise(address);
  return !family || blocked.check(value, family);
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it carries. */
function normalise(address: string): { value: string; family?: 'ipv4' | 'ipv6' } {
  const bare = unbracket(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { value: mapped[1], family: 'ipv4' };
  const family = isIP(bare);
  return { value: bare, family: family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : undefined };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
