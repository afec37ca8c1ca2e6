import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** "10.0.0.0/8, 127.0.0.1, ::1" → a BlockList (used here as an allow-list). Throws naming the first bad entry. */
export function parseAddressList(list: string): BlockList {
  const blocks = new BlockList();
  for (const raw of list.split(',').map((entry) => entry.trim()).filter(Boolean)) {
    const [address, prefix] = raw.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    if (!family) throw new Error(`"${raw}" is not an IP address or CIDR range`);
    if (prefix === undefined) {
      blocks.addAddress(address, family);
      continue;
    }
    const bits = Number(prefix);
    if (!/^\d+$/.test(prefix) || bits > (family === 'ipv4' ? 32 : 128)) throw new Error(`"${raw}" has a bad prefix length`);
    blocks.addSubnet(address, bits, family);
  }
  return blocks;
}

/** Whether `address` (IPv4, IPv6, or IPv4-mapped IPv6 as dual-stack sockets report it) is in `list`. */
export function inAddressList(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  const family = isIPv4(plain) ? 'ipv4' : isIPv6(plain) ? 'ipv6' : undefined;
  return family !== undefined && list.check(plain, family);
}
