// The PeerJS server protocol, spoken by raw WebSocket clients against a server on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import {
  closedWithin,
  RawPeer,
  type RunningServer,
  randomToken,
  signal,
  signalPayload,
  startServer,
} from '../../testing/raw-peer.js';

let server: RunningServer | undefined;
const peers: RawPeer[] = [];

async function start(limits: Parameters<typeof startServer>[0] = {}): Promise<string> {
  server = await startServer(limits);
  return server.httpUrl;
}

function peersIn(room: string): number {
  return server?.app.signaling.roomPeerCount(room) ?? 0;
}

async function join(url: string, room: string, id: string, token?: string): Promise<RawPeer> {
  const peer = await RawPeer.join(url, room, id, token);
  peers.push(peer);
  return peer;
}

async function open(url: string, query: Record<string, string>): Promise<RawPeer> {
  const peer = await RawPeer.open(url, query);
  peers.push(peer);
  return peer;
}

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await server?.app.close();
  server = undefined;
});

describe('PeerJS signaling: ids and registration', () => {
  it('hands out distinct ids that the peerjs client accepts', async () => {
    const url = await start();
    const ids = await Promise.all(
      [1, 2, 3].map(async () => {
        const response = await fetch(`${url}/peerjs/cluster-1/id?ts=1&version=1.5.5`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        return response.text();
      }),
    );
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      // The client's own validateId rule; 122 random bits (a v4 UUID) cannot be guessed.
      expect(id).toMatch(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    const peer = await join(url, 'cluster-1', ids[0] as string);
    expect(peer.unread()).toEqual([]);
  });

  it('refuses a room name that is not short and url-safe, over HTTP and WebSocket', async () => {
    const url = await start();
    const response = await fetch(`${url}/peerjs/${'x'.repeat(33)}/id`);
    expect(response.status).toBe(400);
    expect((await response.json()).message).toContain('1 to 32 letters, digits');
    const peer = await open(url, { key: 'no.dots', id: 'alice', token: randomToken() });
    const message = await peer.next();
    expect(message.type).toBe('INVALID-KEY');
    expect(message.payload?.msg).toContain('"no.dots" is not valid');
    expect((await closedWithin(peer, 2_000)).code).toBe(1008);
  });

  it('answers ERROR and closes when the id or the token is missing or malformed', async () => {
    const url = await start();
    const noId = await open(url, { key: 'room', token: randomToken() });
    const badToken = await open(url, { key: 'room', id: 'alice', token: 'has space' });
    const idMessage = await noId.next();
    expect(idMessage.type).toBe('ERROR');
    expect(idMessage.payload?.msg).toContain('peer id (missing) is not valid');
    expect((await badToken.next()).payload?.msg).toContain('token "has space" is not valid');
    expect((await closedWithin(noId, 2_000)).code).toBe(1008);
    expect((await closedWithin(badToken, 2_000)).code).toBe(1008);
  });

  it('answers ID-TAKEN to the same id with another token, and the holder carries on', async () => {
    const url = await start();
    const alice = await join(url, 'room', 'alice', 'token-one');
    const impostor = await open(url, { key: 'room', id: 'alice', token: 'token-two' });
    expect(await impostor.next()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    expect((await closedWithin(impostor, 2_000)).code).toBe(1008);
    const bob = await join(url, 'room', 'bob');
    bob.send(signal('OFFER', 'alice', 'dc_1'));
    expect(await alice.next()).toMatchObject({ type: 'OFFER', src: 'bob', dst: 'alice' });
  });

  it('re-attaches the same id and token to a new socket, closing the old one', async () => {
    const url = await start();
    const first = await join(url, 'room', 'alice', 'same-token');
    const second = await join(url, 'room', 'alice', 'same-token');
    const closed = await closedWithin(first, 2_000);
    expect(closed.code).toBe(1000);
    expect(closed.reason).toContain('replaced');
    const bob = await join(url, 'room', 'bob');
    bob.send(signal('OFFER', 'alice', 'dc_1'));
    expect(await second.next()).toMatchObject({ type: 'OFFER', src: 'bob' });
    expect(peersIn('room')).toBe(2);
  });

  it('refuses peers over the per-room and total limits with "try again later"', async () => {
    const url = await start({ limits: { maxPeers: 3, maxPeersPerRoom: 2 } });
    await join(url, 'room-a', 'a1');
    await join(url, 'room-a', 'a2');
    const third = await open(url, { key: 'room-a', id: 'a3', token: randomToken() });
    expect((await third.next()).payload?.msg).toContain('room "room-a" is full (2 peers)');
    expect((await closedWithin(third, 2_000)).code).toBe(1013);
    await join(url, 'room-b', 'b1');
    const fourth = await open(url, { key: 'room-b', id: 'b2', token: randomToken() });
    expect((await fourth.next()).payload?.msg).toContain('server is full (3 peers)');
    expect((await closedWithin(fourth, 2_000)).code).toBe(1013);
  });
});

describe('PeerJS signaling: relay', () => {
  it('relays OFFER, ANSWER and CANDIDATE with src set by the server, never by the sender', async () => {
    const url = await start();
    const alice = await join(url, 'room', 'alice');
    const bob = await join(url, 'room', 'bob');
    alice.send({ ...signal('OFFER', 'bob', 'dc_1'), src: 'mallory' });
    const offer = await bob.next();
    expect(offer).toEqual({
      type: 'OFFER',
      src: 'alice',
      dst: 'bob',
      payload: signalPayload('OFFER', 'dc_1'),
    });
    bob.send(signal('ANSWER', 'alice', 'dc_1'));
    bob.send(signal('CANDIDATE', 'alice', 'dc_1'));
    expect(await alice.next()).toMatchObject({ type: 'ANSWER', src: 'bob', dst: 'alice' });
    expect(await alice.next()).toMatchObject({ type: 'CANDIDATE', src: 'bob', dst: 'alice' });
  });

  it('accepts HEARTBEAT silently and relays LEAVE; LEAVE without dst unregisters the sender', async () => {
    const url = await start();
    const alice = await join(url, 'room', 'alice');
    const bob = await join(url, 'room', 'bob');
    alice.send({ type: 'HEARTBEAT' });
    alice.send({ type: 'LEAVE', dst: 'bob' });
    expect(await bob.next()).toEqual({ type: 'LEAVE', src: 'alice', dst: 'bob' });
    expect(alice.unread()).toEqual([]);
    alice.send({ type: 'LEAVE' });
    expect((await closedWithin(alice, 2_000)).code).toBe(1000);
    expect(peersIn('room')).toBe(1);
  });

  it('queues messages for a peer that has not connected yet and delivers them after OPEN', async () => {
    const url = await start({ limits: { messageExpiryMs: 5_000 } });
    const alice = await join(url, 'room', 'alice');
    alice.send(signal('OFFER', 'late', 'dc_1'));
    alice.send(signal('CANDIDATE', 'late', 'dc_1'));
    alice.send({ type: 'HEARTBEAT' });
    // A round trip through the server proves the two frames above were handled before "late" arrives.
    const bob = await join(url, 'room', 'bob');
    alice.send(signal('OFFER', 'bob', 'dc_sync'));
    await bob.next();
    const late = await join(url, 'room', 'late');
    expect(await late.next()).toMatchObject({ type: 'OFFER', src: 'alice', payload: { connectionId: 'dc_1' } });
    expect(await late.next()).toMatchObject({ type: 'CANDIDATE', src: 'alice', payload: { connectionId: 'dc_1' } });
    expect(alice.unread()).toEqual([]);
  });

  it('sends one EXPIRE to the sender when the destination never shows up, and drops its messages', async () => {
    const url = await start({ limits: { messageExpiryMs: 150 } });
    const alice = await join(url, 'room', 'alice');
    const sentAt = Date.now();
    alice.send(signal('OFFER', 'ghost', 'dc_lost'));
    // Later than the offer, so that it would outlive it if messages expired one by one.
    await new Promise((resolve) => setTimeout(resolve, 60));
    alice.send(signal('CANDIDATE', 'ghost', 'dc_lost'));
    expect(await alice.next()).toEqual({ type: 'EXPIRE', src: 'ghost', dst: 'alice' });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(140);
    const ghost = await join(url, 'room', 'ghost');
    alice.send(signal('OFFER', 'ghost', 'dc_fresh'));
    expect(await ghost.next()).toMatchObject({ type: 'OFFER', payload: { connectionId: 'dc_fresh' } });
    await expect(alice.next(300), 'the candidate expired with its offer, not on its own').rejects.toThrow();
  });

  it('answers EXPIRE at once when the destination queue is full', async () => {
    const url = await start({ limits: { maxQueuedPerPeer: 2, messageExpiryMs: 10_000 } });
    const alice = await join(url, 'room', 'alice');
    for (const n of [1, 2, 3]) alice.send(signal('OFFER', 'ghost', `dc_${n}`));
    expect(await alice.next(1_000)).toEqual({ type: 'EXPIRE', src: 'ghost', dst: 'alice' });
    const ghost = await join(url, 'room', 'ghost');
    expect((await ghost.next()).payload?.connectionId).toBe('dc_1');
    expect((await ghost.next()).payload?.connectionId).toBe('dc_2');
  });

  it('answers EXPIRE instead of buffering without bound for a destination that stops reading', async () => {
    const frameBytes = 60 * 1024;
    const url = await start({
      limits: {
        maxMessageBytes: 64 * 1024,
        messageBurst: 2_000,
        messagesPerDestinationBurst: 2_000,
        maxNegotiationsPerPair: 2_000,
        maxNegotiationsPerSender: 2_000,
      },
    });
    const sender = await join(url, 'room', 'sender');
    const reader = await join(url, 'room', 'reader');
    (reader.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const padding = 'x'.repeat(frameBytes);
    // Enough to fill the loopback socket buffers (a few MiB) and then the server's 1 MiB allowance.
    for (let n = 0; n < 1_000; n++) {
      const offer = { ...signalPayload('OFFER', `dc_${n}`), sdp: { type: 'offer', sdp: padding } };
      sender.send({ type: 'OFFER', dst: 'reader', payload: offer });
    }
    expect(await sender.next(5_000)).toEqual({ type: 'EXPIRE', src: 'reader', dst: 'sender' });
    reader.socket.terminate();
  });
});

describe('PeerJS signaling: liveness', () => {
  it('closes a socket that sends nothing for the liveness timeout, and keeps one that sends heartbeats', async () => {
    // Wide margins (heartbeats at a tenth of the timeout): other test files load the machine meanwhile.
    const url = await start({ limits: { livenessTimeoutMs: 1_000 } });
    const silent = await join(url, 'room', 'silent');
    const beating = await join(url, 'room', 'beating');
    const joinedAt = Date.now();
    const heartbeats = setInterval(() => beating.send({ type: 'HEARTBEAT' }), 100);
    try {
      const closed = await closedWithin(silent, 3_000);
      expect(Date.now() - joinedAt).toBeGreaterThanOrEqual(990);
      expect(closed.code).toBe(1008);
      expect(closed.reason).toContain('HEARTBEAT');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(beating.socket.readyState).toBe(beating.socket.OPEN);
      expect(peersIn('room')).toBe(1);
    } finally {
      clearInterval(heartbeats);
    }
  });
});

describe('PeerJS signaling: rooms', () => {
  it('scopes ids, relay and discovery to the room', async () => {
    const url = await start({ limits: { messageExpiryMs: 150 } });
    const alice = await join(url, 'room-a', 'alice');
    const carol = await join(url, 'room-a', 'carol');
    const bob = await join(url, 'room-b', 'bob');
    // The same id in another room is another peer.
    const otherAlice = await join(url, 'room-b', 'alice');

    alice.send(signal('OFFER', 'bob', 'dc_cross'));
    // bob is not in room-a: the offer waits there for a "bob" that never comes, and alice is told so.
    expect(await alice.next()).toEqual({ type: 'EXPIRE', src: 'bob', dst: 'alice' });
    otherAlice.send(signal('OFFER', 'bob', 'dc_same_room'));
    expect(await bob.next()).toMatchObject({ src: 'alice', payload: { connectionId: 'dc_same_room' } });
    carol.send(signal('OFFER', 'alice', 'dc_for_room_a'));
    expect(await alice.next()).toMatchObject({ src: 'carol' });
    expect(otherAlice.unread()).toEqual([]);

    expect(peersIn('room-a')).toBe(2);
    expect(peersIn('room-b')).toBe(2);
  });
});
