// The URLs other computers open to reach this server, from the addresses it listens on and the machine's interfaces.
// A function of both, so that the server answers with the interfaces of the moment (a laptop changes networks) and
// tests hand in their own.
import { isIPv6 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import type { JoinThreads, JoinUrl } from '@rxmesh/core';

/** One server of `rxmesh serve` as it listens: its scheme, the address it is bound to, and its port. */
export interface Listener {
  scheme: 'https' | 'http';
  address: string;
  port: number;
}

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

/** An address as a URL's host: IPv6 in brackets. */
export function urlHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/** The origin of a page at an address and port, as browsers write it (no port for 443 over https or 80 over http). */
export function originOf(scheme: Listener['scheme'], host: string, port: number): string {
  return new URL(`${scheme}://${urlHost(host)}:${port}`).origin;
}

export function threadsAt(scheme: Listener['scheme'], address: string): JoinThreads {
  return scheme === 'https' || isLoopback(address) ? 'all' : 'one';
}

/**
 * The addresses another computer reaches a server bound to `bound` at: every non-internal address of the machine for
 * a wildcard (IPv4 only for 0.0.0.0, which takes no IPv6; IPv6 link-local addresses left out, since no browser opens
 * a URL with the zone they need), else the bound address itself.
 */
export function reachableAddresses(bound: string, interfaces: Interfaces): string[] {
  if (!isWildcard(bound)) return [bound];
  return Object.values(interfaces)
    .flat()
    .filter((info): info is NetworkInterfaceInfo => info !== undefined && !info.internal)
    .filter((info) => (info.family === 'IPv4' ? true : bound === '::' && !/^fe[89ab]/i.test(info.address)))
    .map((info) => info.address);
}

/** Every URL that reaches the listeners from the network, https listeners first, in interface order within each. */
export function joinUrls(listeners: readonly Listener[], interfaces: Interfaces): JoinUrl[] {
  const ordered = [...listeners].sort((a, b) => (a.scheme === b.scheme ? 0 : a.scheme === 'https' ? -1 : 1));
  return ordered.flatMap(({ scheme, address: bound, port }) =>
    reachableAddresses(bound, interfaces).map((address) => ({
      url: originOf(scheme, address, port),
      scheme,
      address,
      threads: threadsAt(scheme, address),
    })),
  );
}
