// The stock peerjs client in Node, through node-peer.ts and @roamhq/wrtc, against the rxmesh signaling server.
import wrtc from '@roamhq/wrtc';
import { buildServer } from '@rxmesh/signal';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodePeer, type DataConnection, type Peer } from './node-peer.js';

/**
 * Offers only loopback ICE candidates, so the peers' WebRTC traffic, like the signaling, goes to 127.0.0.1 alone.
 * node-peer.ts installs wrtc's RTCPeerConnection only where none exists, so this one stays in place.
 */
class LoopbackPeerConnection extends wrtc.RTCPeerConnection {
  override dispatchEvent(event: Event & { candidate?: { candidate: string } | null }): boolean {
    if (event.type === 'icecandidate' && event.candidate && !event.candidate.candidate.includes(' 127.0.0.1 ')) {
      return true;
    }
    return super.dispatchEvent(event);
  }
}

let app: FastifyInstance;
let signalUrl: string;
const peers: Peer[] = [];

beforeAll(async () => {
  (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = LoopbackPeerConnection;
  app = await buildServer();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  signalUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const peer of peers) peer.destroy();
  await app.close();
  delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
});

function opened(connection: DataConnection): Promise<DataConnection> {
  if (connection.open) return Promise.resolve(connection);
  return new Promise((resolve, reject) => {
    connection.once('open', () => resolve(connection));
    connection.once('error', reject);
  });
}

function nextData(connection: DataConnection): Promise<unknown> {
  return new Promise((resolve) => connection.once('data', resolve));
}

describe('the stock peerjs client in Node (node-peer.ts over @roamhq/wrtc)', () => {
  it('gets ids from the server, opens a data connection and exchanges data both ways', async () => {
    const alice = await createNodePeer({ signalUrl, room: 'node-peers' });
    peers.push(alice);
    const bob = await createNodePeer({ signalUrl, room: 'node-peers', id: 'bob-1' });
    peers.push(bob);
    expect(alice.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(bob.id).toBe('bob-1');
    const listed = await (await fetch(`${signalUrl}/peerjs/node-peers/peers`)).json();
    expect(listed.sort()).toEqual([alice.id, 'bob-1'].sort());

    const incoming = new Promise<DataConnection>((resolve) => bob.once('connection', resolve));
    const [atAlice, atBob] = await Promise.all([opened(alice.connect(bob.id)), incoming.then(opened)]);
    expect(atBob.peer).toBe(alice.id);

    const toBob = nextData(atBob);
    await atAlice.send({ job: 42, blob: new Uint8Array([1, 2, 3]) });
    expect(await toBob).toEqual({ job: 42, blob: new Uint8Array([1, 2, 3]).buffer });
    const toAlice = nextData(atAlice);
    await atBob.send('share from bob');
    expect(await toAlice).toBe('share from bob');
  });

  it('rejects with a sentence when the id is taken in the room', async () => {
    await expect(createNodePeer({ signalUrl, room: 'node-peers', id: 'bob-1' })).rejects.toThrow(
      /Could not join room "node-peers" at http:\/\/127\.0\.0\.1:\d+: ID "bob-1" is taken \(unavailable-id\)\./,
    );
  });
});
