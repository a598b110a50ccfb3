// The address a socket is counted under for maxSocketsPerAddress. One IPv4 address is one household or one NAT;
// one IPv6 host usually holds a whole /64 (and picks new addresses in it at will), so IPv6 counts by /64.
import { isIPv4, isIPv6 } from 'node:net';

export function addressGroup(ip: string): string {
  // A dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = ip.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...(ip.includes('::') ? zeros : []), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
