// The self-signed certificate a server keeps in its data directory: the names it covers, kept while they are the
// machine's, made again (and said so) when the machine has an address it does not cover.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSelfSigned, machineNames } from './tls.js';

const scratch = mkdtempSync(join(tmpdir(), 'rxmesh-tls-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function address(address: string, internal = false): NetworkInterfaceInfo {
  const common = { netmask: '', mac: '00:00:00:00:00:00', internal, cidr: null };
  return address.includes(':')
    ? { ...common, address, family: 'IPv6', scopeid: 0 }
    : { ...common, address, family: 'IPv4' };
}

const interfaces = {
  lo: [address('127.0.0.1', true), address('::1', true)],
  wlan0: [address('192.168.1.20'), address('2001:db8::20')],
};

describe('machineNames', () => {
  it('names the network addresses, the loopbacks, localhost, the host name under .local and a particular bind', () => {
    expect(machineNames({ bind: '0.0.0.0', interfaces, hostname: 'Laptop' })).toEqual({
      addresses: ['192.168.1.20', '2001:db8::20', '127.0.0.1', '::1'],
      hosts: ['localhost', 'laptop', 'laptop.local'],
    });
    expect(machineNames({ bind: '10.77.0.1', interfaces: {}, hostname: 'teacher.school.example' })).toEqual({
      addresses: ['127.0.0.1', '::1', '10.77.0.1'],
      hosts: ['localhost', 'teacher.school.example'],
    });
  });
});

describe('loadSelfSigned', () => {
  const dir = join(scratch, 'data');
  const names = machineNames({ bind: '0.0.0.0', interfaces, hostname: 'laptop' });

  it('keeps the certificate while it covers the machine, and makes a new one, saying why, when it does not', async () => {
    const first = await loadSelfSigned(dir, names);
    expect(first.story).toMatch(/^made a new self-signed certificate in .* \(there was none\) for 192\.168\.1\.20, /);
    const certificate = new X509Certificate(first.tls.cert);
    for (const ip of names.addresses) expect(certificate.checkIP(ip)).toBe(ip);
    expect(certificate.checkHost('laptop.local')).toBe('laptop.local');
    expect(Date.parse(certificate.validTo) - Date.now()).toBeGreaterThan(396 * 24 * 3600_000);

    const again = await loadSelfSigned(dir, names);
    expect(again.tls.cert).toBe(first.tls.cert);
    expect(again.story).toMatch(/covers this machine's addresses/);

    const moved = { ...names, addresses: [...names.addresses, '10.0.0.5'] };
    const renewed = await loadSelfSigned(dir, moved);
    expect(renewed.tls.cert).not.toBe(first.tls.cert);
    expect(renewed.story).toMatch(
      /made a new self-signed certificate in .* \(the one there does not cover 10\.0\.0\.5\)/,
    );
    expect(new X509Certificate(renewed.tls.cert).checkIP('10.0.0.5')).toBe('10.0.0.5');
  });
});
