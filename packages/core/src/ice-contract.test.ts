import { describe, expect, it } from 'vitest';
import { iceServerHost, parseIceServer } from './ice-contract.js';

describe('an ICE server as --ice-server takes it', () => {
  it('reads STUN, and TURN with or without credentials and transport', () => {
    expect(parseIceServer('stun:stun.example.org:3478')).toEqual({ urls: ['stun:stun.example.org:3478'] });
    expect(parseIceServer('turn:alice:p%40ss@10.0.0.1:3478?transport=tcp')).toEqual({
      urls: ['turn:10.0.0.1:3478?transport=tcp'],
      username: 'alice',
      credential: 'p@ss',
    });
    expect(parseIceServer('turns:turn.example.org')).toEqual({ urls: ['turns:turn.example.org'] });
  });

  it('refuses other schemes, credentials on STUN, and stray parts, with the form to use', () => {
    for (const text of ['http://turn.example.org', 'turn:', 'turn:a b', 'turn:h?transport=sctp', 'turn:u@h']) {
      expect(() => parseIceServer(text), text).toThrow('turn:USER:PASSWORD@HOST[:PORT]');
    }
    expect(() => parseIceServer('stun:u:p@stun.example.org')).toThrow('a STUN server takes no credentials');
  });

  it('names the host a page shows, without credentials or transport', () => {
    expect(iceServerHost('turn:turn.example.org:3478?transport=udp')).toBe('turn.example.org:3478');
    expect(iceServerHost('stun:10.0.0.1')).toBe('10.0.0.1');
  });
});
