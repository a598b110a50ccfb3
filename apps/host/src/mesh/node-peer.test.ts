// The stock peerjs client in Node behind core's guard (node-peer.ts over @roamhq/wrtc), against the rxmesh signaling
// server. Ordinary links carry messages of any size up to their bound. Hostile input, as signaling frames injected
// into a peer's socket (where peerjs reads the server's frames) and as frames a stranger's stock client writes on a
// data channel, is dropped and counted, or closes that one link, while the process and every other link carry on.
import { createRequire } from 'node:module';
import wrtc from '@roamhq/wrtc';
import {
  type GuardedPeer,
  type LinkCounters,
  MAX_LINK_MESSAGE_BYTES,
  type MeshConnection,
  peerjsOptions,
  whenRegistered,
} from '@rxmesh/mesh';
import { buildServer, PEERJS_PATH } from '@rxmesh/signal';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodePeer, type NodePeerOptions, type Peer, publicAddressTwin } from './node-peer.js';

/**
 * Offers only loopback ICE candidates, so the peers' WebRTC traffic, like the signaling, goes to 127.0.0.1 alone,
 * and counts the RTCPeerConnections made. node-peer.ts installs wrtc's RTCPeerConnection only where none exists, so
 * this one stays in place.
 */
class LoopbackPeerConnection extends wrtc.RTCPeerConnection {
  static made = 0;

  constructor(...args: ConstructorParameters<typeof wrtc.RTCPeerConnection>) {
    super(...args);
    LoopbackPeerConnection.made++;
  }

  override dispatchEvent(event: Event & { candidate?: { candidate: string } | null }): boolean {
    if (event.type === 'icecandidate' && event.candidate && !event.candidate.candidate.includes(' 127.0.0.1 ')) {
      return true;
    }
    return super.dispatchEvent(event);
  }
}

const ROOM = 'guard';
let app: FastifyInstance;
let signalUrl: string;
const peers: { destroy(): void }[] = [];
/** A data connection's offer, as wrtc writes it. */
let offerSdp: string;

beforeAll(async () => {
  (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = LoopbackPeerConnection;
  app = await buildServer();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  signalUrl = `http://127.0.0.1:${port}`;
  const offerer = new wrtc.RTCPeerConnection();
  offerer.createDataChannel('offer');
  offerSdp = (await offerer.createOffer()).sdp ?? '';
  offerer.close();
});

afterAll(async () => {
  for (const peer of peers) peer.destroy();
  await app.close();
  delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
});

async function join(options: Omit<NodePeerOptions, 'signalUrl' | 'room'> = {}): Promise<GuardedPeer<Peer>> {
  const peer = await createNodePeer({ signalUrl, room: ROOM, ...options });
  peers.push(peer);
  return peer;
}

/** The stock peerjs client, unguarded, as a stranger runs it. Call after join(), which installs its globals. */
async function stockPeer(): Promise<Peer> {
  const { Peer: PeerClass } = createRequire(import.meta.url)('peerjs') as typeof import('peerjs');
  const peer = new PeerClass(peerjsOptions({ signalUrl: new URL(signalUrl), room: ROOM, path: PEERJS_PATH }));
  peers.push(peer);
  return whenRegistered(peer, { room: ROOM, signalUrl: new URL(signalUrl) });
}

/** The peerjs internals these tests look at. */
function internals(peer: Peer): { _connections: Map<string, unknown[]>; _lostMessages: Map<string, unknown[]> } {
  return peer as unknown as { _connections: Map<string, unknown[]>; _lostMessages: Map<string, unknown[]> };
}

function connectionCount(peer: Peer): number {
  return [...internals(peer)._connections.values()].reduce((sum, connections) => sum + connections.length, 0);
}

/** Hands `frame` to the peer as if its signaling server had sent it. */
function inject(peer: Peer, frame: unknown): void {
  peer.socket.emit('message', frame);
}

function offer(src: string, connectionId: string, serialization: string, type = 'data') {
  const sdp = { type: 'offer', sdp: offerSdp };
  return { type: 'OFFER', src, dst: 'victim', payload: { type, connectionId, serialization, reliable: true, sdp } };
}

function candidate(src: string, connectionId: string, port: number) {
  const line = `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host generation 0`;
  return {
    type: 'CANDIDATE',
    src,
    payload: { type: 'data', connectionId, candidate: { candidate: line, sdpMid: '0' } },
  };
}

function opened(link: MeshConnection): Promise<MeshConnection> {
  return new Promise((resolve, reject) => {
    link.on('open', () => resolve(link));
    link.on('error', reject);
  });
}

function closed(link: MeshConnection): Promise<void> {
  return new Promise((resolve) => link.on('close', resolve));
}

function nextMessage(link: MeshConnection): Promise<unknown> {
  return new Promise((resolve) => link.on('message', resolve));
}

/** An open link from `from` to `to`: [the end at `from`, the end at `to`]. */
async function link(from: GuardedPeer<Peer>, to: GuardedPeer<Peer>): Promise<[MeshConnection, MeshConnection]> {
  const incoming = new Promise<MeshConnection>((resolve) => to.on('connection', resolve));
  const outgoing = from.connect(to.id);
  if (outgoing === undefined) throw new Error(`${from.id} could not connect to ${to.id}.`);
  return Promise.all([opened(outgoing), incoming.then(opened)]);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** About `bytes` of JSON with non-ASCII text all through it. */
function replica(bytes: number): { kind: string; entries: { name: string; work: string }[] } {
  const entries: { name: string; work: string }[] = [];
  for (let n = 0, length = 2; length < bytes; n++) {
    const entry = { name: `Zoë ${n} 🦊`, work: `${n * 977}` };
    entries.push(entry);
    length += JSON.stringify(entry).length + 1;
  }
  return { kind: 'replica', entries };
}

const quiet: Partial<LinkCounters> = { badSignals: 0, callbackErrors: 0 };

describe('the stock peerjs client in Node behind the guard (node-peer.ts over @roamhq/wrtc)', () => {
  it('runs on peerjs 1.5.5, whose socket hands every server frame to the Peer’s own _handleMessage', async () => {
    const require = createRequire(import.meta.url);
    expect((require('peerjs/package.json') as { version: string }).version).toBe('1.5.5');
    const guarded = await join();
    inject(guarded.peer, { type: 'HEARTBEAT' });
    expect(guarded.linkCounters().badSignals).toBe(1);
    // What the guard relies on: a stock Peer looks _handleMessage up on itself for each frame.
    const stock = await stockPeer();
    const seen: unknown[] = [];
    Object.assign(stock, { _handleMessage: (frame: unknown) => seen.push(frame) });
    inject(stock, { type: 'HEARTBEAT' });
    expect(seen).toEqual([{ type: 'HEARTBEAT' }]);
  });

  it('links two peers: messages both ways, 200 KB once the receiver raises its bound, and what is refused', async () => {
    const [alice, bob] = await Promise.all([join({ id: 'alice-1' }), join()]);
    expect(alice.id).toBe('alice-1');
    expect(bob.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const [atAlice, atBob] = await link(alice, bob);
    expect(atBob.peer).toBe('alice-1');
    // On the loopback, between the peers' own addresses: no router mapped one, and no TURN server relays.
    expect(await atAlice.path()).toBe('direct');
    expect(await atBob.path()).toBe('direct');

    const toBob = nextMessage(atBob);
    expect(atAlice.send({ job: 42, name: 'Zoë 🦊' })).toBe(true);
    expect(await toBob).toEqual({ job: 42, name: 'Zoë 🦊' });
    const toAlice = nextMessage(atAlice);
    expect(atBob.send('share from bob')).toBe(true);
    expect(await toAlice).toBe('share from bob');

    const large = replica(200_000);
    expect(JSON.stringify(large).length).toBeGreaterThan(200_000);
    atBob.maxMessageBytes = 1024 * 1024;
    const largeAtBob = nextMessage(atBob);
    expect(atAlice.send(large)).toBe(true);
    expect(await largeAtBob).toEqual(large);

    // Over the receiver's bound: refused there, which closes the link at both ends.
    const aliceHearsClose = closed(atAlice);
    expect(atAlice.send(replica(1.1 * 1024 * 1024))).toBe(true);
    await aliceHearsClose;
    expect(bob.linkCounters()).toMatchObject({ ...quiet, oversizedMessages: 1 });
    // A send on the closed link fails, and is counted.
    expect(atAlice.send({ after: 'close' })).toBe(false);
    expect(alice.linkCounters()).toMatchObject({ ...quiet, sendFailures: 1 });

    // Over what any link carries (12 MiB): not sent, counted, and the link closes at both ends.
    const [again, againAtBob] = await link(alice, bob);
    const bobHearsClose = closed(againAtBob);
    expect(again.send('x'.repeat(MAX_LINK_MESSAGE_BYTES))).toBe(false);
    await bobHearsClose;
    expect(alice.linkCounters()).toMatchObject({ ...quiet, sendFailures: 2 });
    expect(bob.linkCounters()).toMatchObject({ ...quiet, oversizedMessages: 1, sendFailures: 0 });
    expect(() => {
      againAtBob.maxMessageBytes = 16 * 1024 * 1024;
    }).toThrow(/from 1 to 12582912/);
  });

  it('refuses offers for other serializations ("nope") or media before peerjs sees them, and still links', async () => {
    const [victim, friend] = await Promise.all([join(), join()]);
    const problems: string[] = [];
    victim.on('problem', (problem) => problems.push(problem.message));
    const made = LoopbackPeerConnection.made;
    inject(victim.peer, offer('mallory-1', 'dc_nope', 'nope'));
    inject(victim.peer, offer('mallory-1', 'dc_json', 'json'));
    inject(victim.peer, offer('mallory-1', 'mc_call', 'raw', 'media'));
    expect(victim.linkCounters()).toMatchObject({ ...quiet, refusedOffers: 3 });
    expect(LoopbackPeerConnection.made).toBe(made);
    expect(connectionCount(victim.peer)).toBe(0);
    // The first of a kind is reported at once, the others only counted for 10 s.
    expect(problems).toEqual([
      'Refused a connection offered by mallory-1: a data connection with nope serialization, where only raw data ' +
        'connections are taken (refusedOffers: 1).',
    ]);
    // The stock client, unguarded, dies on the same frame.
    const stock = await stockPeer();
    expect(() => inject(stock, offer('mallory-1', 'dc_nope', 'nope'))).toThrow(/is not a constructor/);

    const [atFriend, atVictim] = await link(friend, victim);
    const heard = nextMessage(atVictim);
    atFriend.send({ hello: 'victim' });
    expect(await heard).toEqual({ hello: 'victim' });
  });

  it('drops signaling frames that do not fit their schema, which peerjs would throw on or act on', async () => {
    const victim = await join();
    const frames: unknown[] = [
      null,
      42,
      'OPEN',
      { type: 'OFFER' },
      { type: 'ERROR' },
      { type: 'ANSWER', src: 'mallory', payload: { type: 'data', connectionId: 'dc_1', sdp: { type: 'bogus' } } },
      { ...candidate('mallory', 'dc_1', 9), payload: { type: 'data', connectionId: 'dc_1', candidate: 'garbage' } },
      { ...offer('mallory', 'dc_2', 'raw'), payload: { ...offer('mallory', 'dc_2', 'raw').payload, sdp: 'x' } },
      { type: 'LEAVE' },
      { type: 'EXPIRE', src: 7 },
    ];
    for (const frame of frames) inject(victim.peer, frame);
    expect(victim.linkCounters()).toMatchObject({ badSignals: frames.length, callbackErrors: 0, refusedOffers: 0 });
    expect(victim.disconnected).toBe(false);
    expect(connectionCount(victim.peer)).toBe(0);
  });

  it('drops ANSWER, CANDIDATE and LEAVE for connections the peer does not hold: _lostMessages stays empty', async () => {
    const [victim, stock] = await Promise.all([join(), stockPeer()]);
    const stray = (n: number) => [
      {
        type: 'ANSWER',
        src: `mallory-${n}`,
        payload: { type: 'data', connectionId: `dc_${n}`, sdp: { type: 'answer', sdp: offerSdp } },
      },
      candidate(`mallory-${n}`, `dc_${n}`, 9000 + n),
    ];
    for (let n = 0; n < 200; n++) {
      for (const frame of stray(n)) {
        inject(victim.peer, frame);
        inject(stock, frame);
      }
    }
    inject(victim.peer, { type: 'LEAVE', src: 'mallory-0' });
    expect(victim.linkCounters()).toMatchObject({ ...quiet, strayFrames: 401 });
    expect(internals(victim.peer)._lostMessages.size).toBe(0);
    // What the stock client does with the same frames: keeps them, for good.
    expect(internals(stock)._lostMessages.size).toBe(200);
    // An ANSWER is taken only for a connection this peer offered, not for one offered to it.
    inject(victim.peer, offer('mallory-0', 'dc_0', 'raw'));
    inject(victim.peer, stray(0)[0]);
    expect(victim.linkCounters()).toMatchObject({ ...quiet, strayFrames: 402 });
  });

  it('holds at most the capped number of offered connections still opening (the oldest go first), bounds their candidates, closes those that stall', async () => {
    const victim = await join({ limits: { openTimeoutMs: 800 } });
    const made = LoopbackPeerConnection.made;
    for (let n = 0; n < 10; n++) inject(victim.peer, offer('mallory-a', `dc_a${n}`, 'raw'));
    for (let n = 0; n < 30; n++) inject(victim.peer, offer(`mallory-b${n}`, `dc_b${n}`, 'raw'));
    // 2 from mallory-a (8 refused), then 30 more; past 16 still opening, each new one closes the oldest.
    expect(LoopbackPeerConnection.made - made).toBe(32);
    expect(connectionCount(victim.peer)).toBe(16);
    expect(internals(victim.peer)._connections.get('mallory-a') ?? []).toHaveLength(0);
    expect(internals(victim.peer)._connections.get('mallory-b29')).toHaveLength(1);
    expect(victim.linkCounters()).toMatchObject({ ...quiet, refusedOffers: 8, evictedOffers: 16 });

    for (let n = 0; n < 40; n++) inject(victim.peer, candidate('mallory-b29', 'dc_b29', 9000 + n));
    expect(victim.linkCounters()).toMatchObject({
      ...quiet,
      refusedOffers: 8,
      evictedOffers: 16,
      refusedCandidates: 8,
    });

    await until('the stalled connections to close', () =>
      victim.linkCounters().openTimeouts === 16 ? true : undefined,
    );
    expect(connectionCount(victim.peer)).toBe(0);
    inject(victim.peer, offer('mallory-c', 'dc_c', 'raw'));
    expect(LoopbackPeerConnection.made - made).toBe(33);
    // Each remote's list of connections goes once it is empty.
    expect([...internals(victim.peer)._connections.keys()]).toEqual(['mallory-c']);
  });

  it('contains the rejection peerjs leaves when a connection closes under a candidate (CANDIDATE, then LEAVE)', async () => {
    const victim = await join();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      inject(victim.peer, offer('mallory-d', 'dc_d', 'raw'));
      inject(victim.peer, candidate('mallory-d', 'dc_d', 9000));
      inject(victim.peer, { type: 'LEAVE', src: 'mallory-d' });
      // peerjs's handler for the candidate reads the closed connection's provider (null) once WebRTC has refused it.
      await until('the failure', () => (victim.linkCounters().callbackErrors === 1 ? true : undefined));
      expect(rejections).toEqual([]);
      expect(victim.linkCounters()).toMatchObject({ badSignals: 0, strayFrames: 0, callbackErrors: 1 });
      expect(connectionCount(victim.peer)).toBe(0);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('closes the one link a stranger writes text that is not JSON or binary on, or whose listener throws', async () => {
    const [victim, friend, mallory] = await Promise.all([join(), join(), stockPeer()]);
    const [atFriend, atVictim] = await link(friend, victim);
    const links: MeshConnection[] = [];
    victim.on('connection', (connection) => links.push(connection));
    const strangerLink = async () => {
      const connection = mallory.connect(victim.id, { reliable: true, serialization: 'raw' });
      await new Promise((resolve) => connection.once('open', () => resolve(undefined)));
      const atVictimEnd = await until('the link at the victim', () => links.at(-1));
      links.length = 0;
      return { connection, atVictimEnd };
    };

    for (const [index, frame] of ['not json', new Uint8Array([123, 125])].entries()) {
      const { connection, atVictimEnd } = await strangerLink();
      const ended = closed(atVictimEnd);
      connection.send(frame);
      await ended;
      expect(victim.linkCounters()).toMatchObject({ ...quiet, badFrames: index + 1 });
    }

    // A second data channel on the stranger's connection is closed; the link itself carries on.
    const { connection, atVictimEnd } = await strangerLink();
    connection.peerConnection.createDataChannel('second');
    await until('the second channel refused', () => (victim.linkCounters().refusedChannels === 1 ? true : undefined));
    const heard = nextMessage(atVictimEnd);
    connection.send('{"hello":1}');
    expect(await heard).toEqual({ hello: 1 });

    // A listener that throws (here, on purpose) closes its link instead of ending the process.
    atVictimEnd.on('message', () => {
      throw new Error('a listener bug');
    });
    const ended = closed(atVictimEnd);
    connection.send('{"again":2}');
    await ended;
    expect(victim.linkCounters()).toMatchObject({ badFrames: 2, callbackErrors: 1, refusedChannels: 1 });

    const toVictim = nextMessage(atVictim);
    expect(atFriend.send({ still: 'linked' })).toBe(true);
    expect(await toVictim).toEqual({ still: 'linked' });
  });

  it('rejects with a sentence when the id is taken in the room', async () => {
    await join({ id: 'taken-1' });
    await expect(createNodePeer({ signalUrl, room: ROOM, id: 'taken-1' })).rejects.toThrow(
      /Could not join room "guard" at http:\/\/127\.0\.0\.1:\d+: ID "taken-1" is taken \(unavailable-id\)\./,
    );
  });
});

describe('a server behind a 1:1 NAT (--public-address)', () => {
  /** The candidates a real RTCPeerConnection gathers for a data channel, with no ICE servers. */
  async function gather(): Promise<{ candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }[]> {
    const connection = new wrtc.RTCPeerConnection({ iceServers: [] });
    const found: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }[] = [];
    const done = new Promise<void>((resolve) => {
      connection.onicecandidate = ({ candidate }) => {
        if (candidate === null) resolve();
        else
          found.push({
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid,
            sdpMLineIndex: candidate.sdpMLineIndex,
          });
      };
    });
    connection.createDataChannel('probe');
    await connection.setLocalDescription(await connection.createOffer());
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3000))]);
    connection.close();
    return found;
  }

  it('offers each host address at the public address too, as a reflexive candidate WebRTC takes', async () => {
    const gathered = await gather();
    const hosts = gathered.filter(
      ({ candidate }) => / typ host/.test(candidate) && /\d+\.\d+\.\d+\.\d+ \d+ typ/.test(candidate),
    );
    expect(hosts.length, 'this machine has an IPv4 address besides the loopback').toBeGreaterThan(0);
    const remote = new wrtc.RTCPeerConnection({ iceServers: [] });
    remote.createDataChannel('probe');
    await remote.setRemoteDescription(
      await (async () => {
        const offerer = new wrtc.RTCPeerConnection({ iceServers: [] });
        offerer.createDataChannel('probe');
        const offer = await offerer.createOffer();
        offerer.close();
        return offer;
      })(),
    );
    for (const host of hosts) {
      const twin = publicAddressTwin(host.candidate, '203.0.113.7');
      const [, , , , , port] = host.candidate.split(' ');
      expect(twin).toMatch(
        new RegExp(`^candidate:\\S+ 1 (udp|tcp) \\d+ 203\\.0\\.113\\.7 ${port} typ srflx raddr \\S+ rport ${port}`),
      );
      // WebRTC takes it as a remote candidate.
      await remote.addIceCandidate({ candidate: twin ?? '', sdpMid: host.sdpMid, sdpMLineIndex: host.sdpMLineIndex });
    }
    remote.close();
    expect(
      publicAddressTwin(hosts[0]?.candidate.replace('typ host', 'typ relay') ?? '', '203.0.113.7'),
    ).toBeUndefined();
  });
});
