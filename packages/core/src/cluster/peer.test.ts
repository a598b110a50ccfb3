import { describe, expect, it } from 'vitest';
import type { Job } from '../jobs/job.js';
import { seededRandom } from '../simulation/sim-tools.js';
import { ClusterPeer, DEFAULT_PEER_SETTINGS, type PeerAction } from './peer.js';
import { jobToWire, type PeerInfo, PROTOCOL_VERSION } from './wire.js';

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

/**
 * A worker joined to `gateway`, and `exchange`, which passes messages both ways until neither has more to say and
 * returns every action the gateway drained meanwhile.
 */
function joinedWorker(gateway: ClusterPeer) {
  const worker = new ClusterPeer({
    info: { ...info, id: 'w1', name: 'worker', role: 'worker', engine: 'wasm', mode: 'light', maxLinks: 8 },
    now: () => Date.UTC(2026, 10, 24, 12),
    random: seededRandom(5),
    source: 'demo',
  });
  worker.start();
  worker.handle({ kind: 'discovered', peers: ['gw'] });
  worker.handle({ kind: 'linkUp', peer: 'gw' });
  gateway.handle({ kind: 'linkUp', peer: 'w1' });
  const exchange = () => {
    const atGateway: PeerAction[] = [];
    for (let round = 0; round < 10; round++) {
      for (const action of worker.drain())
        if (action.kind === 'send') gateway.handle({ kind: 'message', from: 'w1', data: action.message });
      for (const action of gateway.drain()) {
        atGateway.push(action);
        if (action.kind === 'send' && action.to === 'w1')
          worker.handle({ kind: 'message', from: 'gw', data: action.message });
      }
    }
    return atGateway;
  };
  exchange();
  return { worker, exchange };
}

describe('a cluster member', () => {
  it('notices each job once, however often it hears of it', () => {
    const { peer: gateway } = alonePeer();
    const { worker } = joinedWorker(gateway);
    expect(worker.role).toBe('member');
    const job = worker.latestJob;
    expect(job).toBeDefined();
    worker.drain();
    const body = { v: PROTOCOL_VERSION, type: 'job', job: jobToWire(job as Job) } as const;
    worker.handle({ kind: 'message', from: 'gw', data: { v: PROTOCOL_VERSION, type: 'broadcast', term: 1, body } });
    const jobNotices = worker.drain().filter((action) => action.kind === 'notice' && action.notice.kind === 'job');
    expect(jobNotices).toEqual([]);
  });
});

describe('a member at a seed change', () => {
  it("sends up the shares its previous lease finds while the new seed's key builds", () => {
    const { peer: gateway } = alonePeer();
    const { worker, exchange } = joinedWorker(gateway);
    const previous = worker.miningLease;
    expect(previous).toBeDefined();
    if (previous === undefined) return;

    // The next block's job comes with a new seed: the worker is handed a lease on it at once.
    const next: Job = {
      ...previous.job,
      id: `${previous.job.id}-next`,
      height: previous.job.height + 1,
      seedHash: new Uint8Array(32).fill(0x5e),
    };
    gateway.handle({ kind: 'job', job: next });
    exchange();
    expect(worker.miningLease?.job.id).toBe(next.id);

    // Meanwhile the miner goes on with the previous lease under the old key and finds a share there.
    const nonce = previous.lease.start + 3;
    const hash = new Uint8Array(32);
    worker.handle({ kind: 'progress', leaseId: previous.lease.id, hashes: 10, shares: [{ nonce, hash }] });
    const atGateway = exchange();
    // The coordinator takes it up (it verifies it: not stale, inside the sender's lease) instead of refusing it.
    expect(atGateway).toContainEqual(
      expect.objectContaining({ kind: 'verify', seedHash: previous.job.seedHash, nonce, blob: previous.job.blob }),
    );
    const refusals = atGateway.filter((action) => action.kind === 'send' && action.message.type === 'down');
    expect(JSON.stringify(refusals)).not.toMatch(/"accepted":false/);
  });
});

describe('a joining peer', () => {
  it('gives up on a peer that keeps saying it knows no coordinator, and asks another', () => {
    let now = 0;
    const joiner = new ClusterPeer({
      info: { ...info, id: 'a', role: 'auto' },
      now: () => now,
      random: () => 0, // picks the first peer discovered
      source: 'demo',
    });
    joiner.start();
    joiner.handle({ kind: 'discovered', peers: ['b', 'gw'] });
    expect(joiner.drain()).toContainEqual({ kind: 'connect', peer: 'b' });
    joiner.handle({ kind: 'linkUp', peer: 'b' });
    // b joins at the same moment, so it knows no coordinator, and says so to every join request.
    const unknowing = { v: PROTOCOL_VERSION, coordinator: null, term: 0 } as const;
    joiner.handle({
      kind: 'message',
      from: 'b',
      data: { ...unknowing, type: 'hello', info: { ...info, id: 'b', role: 'auto' } },
    });
    const connects: string[] = [];
    for (let step = 0; step < 40 && connects.length === 0; step++) {
      now += 250;
      joiner.handle({ kind: 'tick' });
      for (const action of joiner.drain()) {
        if (action.kind === 'connect') connects.push(action.peer);
        if (action.kind === 'send' && action.to === 'b' && action.message.type === 'join')
          joiner.handle({ kind: 'message', from: 'b', data: { ...unknowing, type: 'redirect', full: false } });
      }
    }
    expect(connects).toEqual(['gw']);
    expect(now).toBeLessThanOrEqual(DEFAULT_PEER_SETTINGS.joinStepTimeoutMs + 1000);
  });
});
