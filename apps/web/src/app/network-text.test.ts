import { parseIceServer } from '@rxmesh/core';
import { describe, expect, it } from 'vitest';
import { whomThePageTalksTo } from './network-text.js';

describe('whom the consent text says the page talks to', () => {
  it('names only the server and the cluster when the server names no STUN or TURN server', () => {
    expect(whomThePageTalksTo([])).toBe(
      'This page talks only to that server and to other browsers and computers in its cluster.',
    );
  });

  it('names every STUN and TURN host, once, with what each does, and no credentials', () => {
    const text = whomThePageTalksTo([
      parseIceServer('stun:stun.example.org:3478'),
      parseIceServer('turn:alice:s3cret@turn.example.org:3478?transport=udp'),
      parseIceServer('turns:alice:s3cret@turn.example.org:5349'),
      parseIceServer('turn:relay.example.net'),
    ]);
    expect(text).toContain('the STUN server stun.example.org:3478, which tells it the address');
    expect(text).toContain('the TURN servers turn.example.org:3478, turn.example.org:5349 and relay.example.net');
    expect(text).not.toContain('alice');
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('?transport');
  });

  it('says it is still asking before the server answered', () => {
    expect(whomThePageTalksTo(null)).toContain('asking the server which servers help peers reach each other');
  });
});
