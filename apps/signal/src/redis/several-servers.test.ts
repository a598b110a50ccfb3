// Several signaling servers on one real redis-server: ids held across servers, rooms counted and gateways listed on
// every server, messages relayed and queued between a peer on one and a peer on another, re-attach on any server, a
// server that dies forgotten with its peers, and Redis going away under running servers.
import { type Identity, issueCredential } from '@rxmesh/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import {
  closedWithin,
  keyIdentity,
  keyToken,
  RawPeer,
  type RunningServer,
  randomToken,
  signal,
  startServer,
} from '../../testing/raw-peer.js';
import { type RedisServer, startRedis } from '../../testing/redis.js';
import { nodeEd25519 } from '../identity/node-ed25519.js';
import { SERVER_TIMEOUT_MS } from '../signaling/hub.js';
import type { SignalingLimits } from '../signaling/limits.js';
import { RedisBus } from './redis-bus.js';

const scheme = nodeEd25519();
const cluster = keyIdentity();
const silent = { info: () => {}, error: () => {} };

let redis: RedisServer;
const servers: { server: RunningServer; bus: RedisBus }[] = [];
const peers: RawPeer[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.remove();
});
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  for (const { server, bus } of servers.splice(0)) {
    await server.app.close();
    await bus.close();
  }
});

/** A server on the bus of this file's Redis, within a namespace of the test's own. */
async function startOnBus(namespace: string, limits: Partial<SignalingLimits> = {}) {
  const bus = await RedisBus.open(redis.url, namespace, silent);
  const server = await startServer({ cluster: { key: cluster.id }, bus, limits });
  servers.push({ server, bus });
  return { ...server, bus };
}

/** Two servers that have heard of each other. */
async function twoServers(limits: Partial<SignalingLimits> = {}) {
  const namespace = randomToken();
  const a = await startOnBus(namespace, limits);
  const b = await startOnBus(namespace, limits);
  await eventually('the servers to hear of each other', () =>
    a.app.signaling.remoteServers === 1 && b.app.signaling.remoteServers === 1 ? true : undefined,
  );
  return [a, b] as const;
}

async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function join(server: RunningServer, id: string, token = randomToken()): Promise<RawPeer> {
  const peer = await RawPeer.join(server.httpUrl, 'room', id, token);
  peers.push(peer);
  return peer;
}

/** Waits until `server` counts `count` peers in the room, its own and the other servers'. */
function counts(server: RunningServer, count: number, timeoutMs = 5_000) {
  return eventually(
    `${count} peers counted`,
    () => (server.app.signaling.roomPeerCount('room') === count ? true : undefined),
    timeoutMs,
  );
}

/** Long enough for a silent server to be forgotten: its timeout, and a sweep. */
const FORGOTTEN_WITHIN_MS = SERVER_TIMEOUT_MS + 2_000;

describe('signaling servers on one Redis', () => {
  it('hold each id once across servers, and let a peer re-attach with its token on any of them', async () => {
    const [a, b] = await twoServers();
    const token = randomToken();
    const first = await join(a, 'peer-1', token);
    await counts(b, 1);

    const thief = await RawPeer.open(b.httpUrl, { key: 'room', id: 'peer-1', token: randomToken(), version: '1.5.5' });
    peers.push(thief);
    expect((await thief.next()).type).toBe('ID-TAKEN');

    // The peer comes back through the other server: the old socket is closed there, and both count it once.
    await join(b, 'peer-1', token);
    expect(await closedWithin(first, 2_000)).toEqual({
      code: 1000,
      reason: 'replaced by a newer connection of the same peer',
    });
    await counts(a, 1);
    await counts(b, 1);
    expect(a.app.signaling.peerCount).toBe(0);
    expect(b.app.signaling.peerCount).toBe(1);
  });

  it('relay an offer, its answer and candidates between peers on different servers, and drop a stray answer', async () => {
    const [a, b] = await twoServers();
    const x = await join(a, 'x');
    const y = await join(b, 'y');
    await counts(a, 2);
    await counts(b, 2);

    y.send(signal('ANSWER', 'x', 'dc_stray'));
    x.send(signal('OFFER', 'y', 'dc_1'));
    expect(await y.next()).toMatchObject({ type: 'OFFER', src: 'x', dst: 'y', payload: { connectionId: 'dc_1' } });
    y.send(signal('ANSWER', 'x', 'dc_1'));
    y.send(signal('CANDIDATE', 'x', 'dc_1'));
    x.send(signal('CANDIDATE', 'y', 'dc_1'));
    expect(await x.next()).toMatchObject({ type: 'ANSWER', src: 'y', payload: { connectionId: 'dc_1' } });
    expect(await x.next()).toMatchObject({ type: 'CANDIDATE', src: 'y' });
    expect(await y.next()).toMatchObject({ type: 'CANDIDATE', src: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([...x.unread(), ...y.unread()]).toEqual([]);

    const forwarded = await metric(a, 'rxmesh_signal_frames_forwarded_total', { type: 'OFFER' });
    expect(forwarded).toBe(1);
    expect(await metric(b, 'rxmesh_signal_stray_frames_dropped_total')).toBe(1);
  });

  it('queue a message for a peer not registered yet, deliver it when it registers on another server, and expire the rest', async () => {
    const [a, b] = await twoServers({ messageExpiryMs: 1_000 });
    const x = await join(a, 'x');
    x.send(signal('OFFER', 'late', 'dc_1'));
    x.send(signal('OFFER', 'never', 'dc_2'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await join(b, 'late');
    expect(await late.next()).toMatchObject({ type: 'OFFER', src: 'x', payload: { connectionId: 'dc_1' } });
    expect(await x.next(3_000)).toEqual({ type: 'EXPIRE', src: 'never', dst: 'x' });
  });

  it('list a gateway on every server, whichever server its announcement reached, and count the room on each', async () => {
    const [a, b] = await twoServers();
    const gateway = keyIdentity();
    const socket = await RawPeer.join(a.httpUrl, 'room', gateway.id, keyToken(gateway, 'room'));
    peers.push(socket);
    await join(b, 'worker');
    const announced = await fetch(`${b.httpUrl}/peerjs/room/gateways`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: gateway.id, credential: credentialFor(gateway) }),
    });
    expect(announced.status).toBe(204);
    for (const server of [a, b]) {
      await eventually('the gateway listed on both', () =>
        server.app.signaling.gatewayIds('room').includes(gateway.id) ? true : undefined,
      );
      const listed = await (await fetch(`${server.httpUrl}/peerjs/room/peers`)).json();
      expect(listed).toEqual([gateway.id]);
      const stats = await (await fetch(`${server.httpUrl}/api/stats`)).json();
      expect(stats.signaling).toEqual({ sockets: 1, peers: 1, servers: 2 });
      expect(server.app.signaling.roomPeerCount('room')).toBe(2);
      expect(await metric(server, 'rxmesh_signal_peers')).toBe(1);
      expect(await metric(server, 'rxmesh_signal_remote_peers')).toBe(1);
    }
  });

  it('forget a server that went silent with its peers, whose ids are free again elsewhere', async () => {
    const [a, b] = await twoServers();
    await join(a, 'on-a');
    await counts(b, 1);
    // The server is cut off from the bus without a word, as a killed one is.
    const index = servers.findIndex(({ server }) => server === servers[0]?.server);
    await servers[index]?.bus.close();
    await counts(b, 0, FORGOTTEN_WITHIN_MS);
    expect(b.app.signaling.remoteServers).toBe(0);
    await join(b, 'on-a');
    expect(b.app.signaling.peerCount).toBe(1);
    expect(a.app.signaling.peerCount).toBe(1);
  });

  it('keep serving their own sockets while Redis is away, and share the rooms again when it is back', async () => {
    const [a, b] = await twoServers();
    const x = await join(a, 'x');
    const y = await join(a, 'y');
    await join(b, 'z');
    await counts(a, 3);
    await redis.stop();
    x.send(signal('OFFER', 'y', 'dc_1'));
    expect(await y.next()).toMatchObject({ type: 'OFFER', src: 'x' });
    await counts(a, 2, FORGOTTEN_WITHIN_MS);
    await redis.start();
    await counts(a, 3);
    await counts(b, 3);
    x.send(signal('OFFER', 'z', 'dc_2'));
    const z = peers[2];
    expect(await z?.next(3_000)).toMatchObject({ type: 'OFFER', src: 'x', payload: { connectionId: 'dc_2' } });
  }, 30_000);
});

function credentialFor(holder: Identity) {
  return issueCredential(scheme, cluster, {
    key: holder.id,
    name: 'rig',
    server: false,
    now: Date.now(),
    lifetimeMs: 60_000,
  });
}

async function metric(server: RunningServer, name: string, labels: Record<string, string> = {}) {
  const exposition = await (await fetch(`${server.httpUrl}/metrics`)).text();
  return sampleValue(exposition, name, labels);
}
