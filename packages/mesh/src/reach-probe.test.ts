import { describe, expect, it } from 'vitest';
import { isPublicAddress, reachFromCandidates } from './reach-probe.js';

const host = (address: string) => `candidate:1 1 udp 2122260223 ${address} 50000 typ host generation 0`;
const srflx = (address: string) =>
  `candidate:2 1 udp 1686052607 ${address} 40000 typ srflx raddr 192.168.1.5 rport 50000`;
const relay = `candidate:3 1 udp 41885439 203.0.113.10 49152 typ relay raddr 198.51.100.4 rport 40000`;

describe('how others reach a peer, from the candidates it gathered', () => {
  it('tells public, private and shared addresses apart', () => {
    for (const address of ['203.0.113.10', '8.8.8.8', '2001:db8::1', '172.32.0.1'])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.5',
      '127.0.0.1',
      '169.254.1.1',
      '100.64.0.1',
      'fe80::1',
      'fd00::1',
      '::1',
      '3f2a.local',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('is relay with a TURN candidate, public with a public host address, nat behind a router, local without STUN', () => {
    expect(reachFromCandidates([host('192.168.1.5'), srflx('198.51.100.4'), relay])).toBe('relay');
    expect(reachFromCandidates([host('203.0.113.10')])).toBe('public');
    expect(reachFromCandidates([host('192.168.1.5'), srflx('198.51.100.4')])).toBe('nat');
    expect(reachFromCandidates([host('192.168.1.5'), host('3f2a.local')])).toBe('local');
    expect(reachFromCandidates([])).toBe('unknown');
  });
});
