// The URLs other computers open, worked out from the listeners and a laptop's interfaces on a school network.
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type Interfaces, joinUrls, type Listener } from './join-urls.js';

function address(address: string, internal = false): NetworkInterfaceInfo {
  const common = { netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return address.includes(':')
    ? { ...common, address, family: 'IPv6', scopeid: 0 }
    : { ...common, address, family: 'IPv4' };
}

const laptop: Interfaces = {
  lo: [address('127.0.0.1', true), address('::1', true)],
  wlan0: [address('192.168.1.20'), address('2001:db8::20'), address('fe80::1c2:3ff:fe45:6789')],
  eth0: [address('10.0.0.5')],
};

const https: Listener = { scheme: 'https', address: '0.0.0.0', port: 8443 };
const http: Listener = { scheme: 'http', address: '0.0.0.0', port: 8080 };

describe('joinUrls', () => {
  it('lists every network address of a server on 0.0.0.0, https first, with the threads each gives', () => {
    expect(joinUrls([http, https], laptop)).toEqual([
      { url: 'https://192.168.1.20:8443', scheme: 'https', address: '192.168.1.20', threads: 'all' },
      { url: 'https://10.0.0.5:8443', scheme: 'https', address: '10.0.0.5', threads: 'all' },
      { url: 'http://192.168.1.20:8080', scheme: 'http', address: '192.168.1.20', threads: 'one' },
      { url: 'http://10.0.0.5:8080', scheme: 'http', address: '10.0.0.5', threads: 'one' },
    ]);
  });

  it('adds the IPv6 addresses on ::, in brackets, but not link-local ones, which no browser opens', () => {
    expect(joinUrls([{ scheme: 'http', address: '::', port: 80 }], laptop).map(({ url }) => url)).toEqual([
      'http://192.168.1.20',
      'http://[2001:db8::20]',
      'http://10.0.0.5',
    ]);
  });

  it('lists the bind address alone otherwise, and plain http on the loopback gives all threads', () => {
    expect(joinUrls([{ scheme: 'http', address: '10.0.0.5', port: 8080 }], laptop)).toEqual([
      { url: 'http://10.0.0.5:8080', scheme: 'http', address: '10.0.0.5', threads: 'one' },
    ]);
    expect(joinUrls([{ scheme: 'http', address: '127.0.0.1', port: 8080 }], laptop)).toEqual([
      { url: 'http://127.0.0.1:8080', scheme: 'http', address: '127.0.0.1', threads: 'all' },
    ]);
  });

  it('lists nothing for a wildcard while the machine has no network address', () => {
    expect(joinUrls([https, http], { lo: laptop.lo })).toEqual([]);
  });
});
