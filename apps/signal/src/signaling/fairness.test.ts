// Shares: sockets per client address, relayed messages per destination, and each sender's share of the queues.
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import {
  closedWithin,
  RawPeer,
  type RunningServer,
  randomToken,
  type ServerMessage,
  signal,
  startServer,
} from '../../testing/raw-peer.js';

let server: RunningServer | undefined;
const peers: RawPeer[] = [];

async function start(options: Parameters<typeof startServer>[0]): Promise<string> {
  server = await startServer(options);
  return server.httpUrl;
}

async function join(id: string, headers: Record<string, string> = {}): Promise<RawPeer> {
  const peer = await RawPeer.open(server?.httpUrl ?? '', { key: 'room', id, token: randomToken() }, headers);
  peers.push(peer);
  return peer;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const exposition = await (await fetch(`${server?.httpUrl}/metrics`)).text();
  return sampleValue(exposition, name, labels);
}

async function messages(peer: RawPeer, count: number): Promise<ServerMessage[]> {
  const received: ServerMessage[] = [];
  while (received.length < count) received.push(await peer.next());
  return received;
}

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await server?.app.close();
  server = undefined;
});

describe('sockets per address', () => {
  it('refuses one socket more than maxSocketsPerAddress with ERROR and 1013, and takes one again after a close', async () => {
    await start({ limits: { maxSocketsPerAddress: 3 } });
    const first = await join('p1');
    for (const id of ['p2', 'p3']) expect((await (await join(id)).next()).type).toBe('OPEN');
    expect((await first.next()).type).toBe('OPEN');
    const refused = await join('p4');
    expect((await refused.next()).payload?.msg).toBe(
      'Too many connections from your address (3); close other tabs or peers, or try later.',
    );
    expect((await closedWithin(refused, 2_000)).code).toBe(1013);
    first.close();
    for (let waited = 0; server?.app.signaling.roomPeerCount('room') !== 2 && waited < 2_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await (await join('p5')).next()).type).toBe('OPEN');
    expect(await metric('rxmesh_signal_connections_refused_total', { reason: 'address_full' })).toBe(1);
    expect(await metric('rxmesh_signal_addresses')).toBe(1);
  });

  it('behind a trusted proxy, counts each client address, and each IPv6 /64 as one', async () => {
    await start({ limits: { maxSocketsPerAddress: 2 }, trustProxy: true });
    const from = (address: string) => ({ 'X-Forwarded-For': address });
    const opened = async (id: string, address: string) => (await (await join(id, from(address))).next()).type;
    expect(await opened('a1', '198.51.100.1')).toBe('OPEN');
    expect(await opened('a2', '198.51.100.1')).toBe('OPEN');
    expect(await opened('a3', '198.51.100.1')).toBe('ERROR');
    expect(await opened('b1', '198.51.100.2')).toBe('OPEN');
    expect(await opened('c1', '2001:db8::1')).toBe('OPEN');
    expect(await opened('c2', '2001:db8:0:0:ffff::2')).toBe('OPEN');
    expect(await opened('c3', '2001:0db8:0000::3')).toBe('ERROR');
    expect(await opened('d1', '2001:db8:0:1::1')).toBe('OPEN');
    expect(await metric('rxmesh_signal_connections_refused_total', { reason: 'address_full' })).toBe(2);
    expect(await metric('rxmesh_signal_addresses')).toBe(4);
  });
});

describe('relayed messages per destination', () => {
  it('lets many senders together deliver at most messagesPerDestinationBurst at once; the rest get EXPIRE', async () => {
    const url = await start({ limits: { messagesPerDestinationBurst: 10, messagesPerDestinationPerSecond: 0.01 } });
    const victim = await RawPeer.join(url, 'room', 'victim');
    const bystander = await RawPeer.join(url, 'room', 'bystander');
    const senders = await Promise.all(['s1', 's2', 's3'].map((id) => RawPeer.join(url, 'room', id)));
    peers.push(victim, bystander, ...senders);
    const [s1, s2, s3] = senders as [RawPeer, RawPeer, RawPeer];
    const negotiate = (sender: RawPeer, connectionId: string) => {
      sender.send(signal('OFFER', 'victim', connectionId));
      for (let n = 0; n < 5; n++) sender.send(signal('CANDIDATE', 'victim', connectionId));
    };
    negotiate(s1, 'dc_1');
    expect(await messages(victim, 6)).toHaveLength(6);
    negotiate(s2, 'dc_2');
    expect(await messages(victim, 4)).toHaveLength(4);
    const expired = { type: 'EXPIRE', src: 'victim' };
    expect(await messages(s2, 2)).toEqual([
      { ...expired, dst: 's2' },
      { ...expired, dst: 's2' },
    ]);
    s3.send(signal('OFFER', 'victim', 'dc_3'));
    expect(await s3.next()).toEqual({ ...expired, dst: 's3' });
    // Other destinations have their own budget.
    s1.send(signal('OFFER', 'bystander', 'dc_other'));
    expect(await bystander.next()).toMatchObject({ type: 'OFFER', src: 's1' });
    expect(victim.unread()).toEqual([]);
    expect(s1.unread()).toEqual([]);
    expect(await metric('rxmesh_signal_messages_expired_total', { reason: 'destination_rate' })).toBe(3);
  });
});

describe('queue shares', () => {
  it('holds at most maxQueuedPerSenderPerPeer of one destination’s queue and maxQueuedPerSender in all per sender', async () => {
    const url = await start({
      limits: { maxQueuedPerPeer: 8, maxQueuedPerSenderPerPeer: 3, maxQueuedPerSender: 5, messageExpiryMs: 10_000 },
    });
    const mallory = await RawPeer.join(url, 'room', 'mallory');
    const alice = await RawPeer.join(url, 'room', 'alice');
    peers.push(mallory, alice);
    const expireFor = (unreachable: string) => ({ type: 'EXPIRE', src: unreachable, dst: 'mallory' });
    mallory.send(signal('OFFER', 'ghost', 'dc_1'));
    for (let n = 0; n < 3; n++) mallory.send(signal('CANDIDATE', 'ghost', 'dc_1'));
    expect(await mallory.next()).toEqual(expireFor('ghost'));
    // Another sender still has its share of ghost's queue.
    alice.send(signal('OFFER', 'ghost', 'dc_2'));
    alice.send(signal('CANDIDATE', 'ghost', 'dc_2'));
    mallory.send(signal('OFFER', 'ghost-2', 'dc_3'));
    mallory.send(signal('CANDIDATE', 'ghost-2', 'dc_3'));
    mallory.send(signal('CANDIDATE', 'ghost-2', 'dc_3'));
    expect(await mallory.next()).toEqual(expireFor('ghost-2'));
    expect(await metric('rxmesh_signal_queued_messages')).toBe(7);
    const ghost = await RawPeer.join(url, 'room', 'ghost');
    peers.push(ghost);
    const delivered = await messages(ghost, 5);
    expect(delivered.map((message) => `${message.src} ${message.type}`)).toEqual([
      'mallory OFFER',
      'mallory CANDIDATE',
      'mallory CANDIDATE',
      'alice OFFER',
      'alice CANDIDATE',
    ]);
    expect(await metric('rxmesh_signal_messages_expired_total', { reason: 'sender_queue_share' })).toBe(2);
    // Delivered messages no longer count against mallory's share: three more fit.
    mallory.send(signal('OFFER', 'ghost-3', 'dc_4'));
    mallory.send(signal('CANDIDATE', 'ghost-3', 'dc_4'));
    mallory.send(signal('CANDIDATE', 'ghost-3', 'dc_4'));
    mallory.send(signal('OFFER', 'alice', 'dc_sync'));
    await alice.next();
    expect(await metric('rxmesh_signal_queued_messages')).toBe(5);
    expect(await metric('rxmesh_signal_messages_expired_total', { reason: 'sender_queue_share' })).toBe(2);
  });
});
