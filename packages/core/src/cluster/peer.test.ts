import { describe, expect, it } from 'vitest';
import { seededRandom } from '../simulation/sim-tools.js';
import { ClusterPeer, type PeerAction } from './peer.js';
import { type PeerInfo, PROTOCOL_VERSION } from './wire.js';

const info: PeerInfo = {
  id: 'gw',
  name: 'gateway',
  role: 'gateway',
  engine: 'native',
  mode: 'full',
  cores: 8,
  memoryMb: 16_384,
  mines: true,
  hashrate: 0,
  maxLinks: 64,
  startedAt: 0,
};

function alonePeer() {
  let now = Date.UTC(2026, 10, 24, 12);
  const peer = new ClusterPeer({ info, now: () => now, random: seededRandom(3), source: 'demo' });
  peer.start();
  peer.handle({ kind: 'discovered', peers: ['gw'] });
  return { peer, advance: (ms: number) => (now += ms) };
}

const kinds = (actions: PeerAction[]) => actions.map((action) => action.kind);

describe('a cluster peer', () => {
  it('starts the cluster when it is a gateway alone in the room, and mines its own lease', () => {
    const { peer } = alonePeer();
    expect(peer.role).toBe('coordinator');
    const actions = peer.drain();
    const mine = actions.find((action) => action.kind === 'mine');
    expect(mine?.kind === 'mine' && mine.job.source).toBe('demo');
    expect(actions).toContainEqual({ kind: 'notice', notice: { kind: 'coordinator', id: 'gw', term: 1, self: true } });
  });

  it('waits for discovery before deciding it is alone', () => {
    const peer = new ClusterPeer({ info, now: () => 0, random: seededRandom(1), source: 'demo' });
    peer.start();
    peer.handle({ kind: 'tick' });
    expect(peer.role).toBe('discovering');
    expect(kinds(peer.drain())).toEqual(['discover']);
  });

  it('cuts off a linked peer after five malformed messages, and ignores them meanwhile', () => {
    const { peer } = alonePeer();
    peer.handle({ kind: 'linkUp', peer: 'noisy' });
    peer.drain();
    for (let i = 0; i < 4; i++) peer.handle({ kind: 'message', from: 'noisy', data: { v: 9, type: 'hello' } });
    expect(kinds(peer.drain())).toEqual(['notice', 'notice', 'notice', 'notice']);
    peer.handle({ kind: 'message', from: 'noisy', data: 'not json' });
    expect(peer.drain()).toContainEqual({ kind: 'disconnect', peer: 'noisy' });
    expect(peer.linkCount).toBe(0);
  });

  it('answers a joiner when it is full with a redirect, and closes the link at once', () => {
    const { peer } = alonePeer();
    for (let i = 0; i < 64; i++) peer.handle({ kind: 'linkUp', peer: `p${i}` });
    peer.drain();
    peer.handle({ kind: 'linkUp', peer: 'late' });
    const actions = peer.drain();
    expect(actions).toContainEqual({
      kind: 'send',
      to: 'late',
      message: { v: PROTOCOL_VERSION, type: 'redirect', coordinator: 'gw', term: 1, full: true },
    });
    expect(actions).toContainEqual({ kind: 'disconnect', peer: 'late' });
  });
});
