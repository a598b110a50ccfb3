// Negotiations: an OFFER opens one, and only its ANSWER and candidates go through; the rest is dropped without an
// ERROR (the stock client stores such messages for ever), and OFFERs in flight are bounded per pair, per sender and
// in all (each makes the receiving client build a peer connection).
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { RawPeer, type RunningServer, type ServerMessage, signal, startServer } from '../../testing/raw-peer.js';

let server: RunningServer | undefined;
const peers: RawPeer[] = [];

async function start(limits: NonNullable<Parameters<typeof startServer>[0]>['limits'] = {}): Promise<RunningServer> {
  server = await startServer({ limits });
  return server;
}

async function join(id: string): Promise<RawPeer> {
  const peer = await RawPeer.join(server?.httpUrl ?? '', 'room', id);
  peers.push(peer);
  return peer;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const exposition = await (await fetch(`${server?.httpUrl}/metrics`)).text();
  return sampleValue(exposition, name, labels);
}

/** `from` offers to `to` on a new connection and `to` receives it: every frame `from` sent before is handled. */
async function sync(from: RawPeer, to: RawPeer, toId: string, connectionId: string): Promise<void> {
  from.send(signal('OFFER', toId, connectionId));
  expect(await to.next()).toMatchObject({ type: 'OFFER', payload: { connectionId } });
}

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await server?.app.close();
  server = undefined;
});

describe('negotiations', () => {
  it('drops ANSWER and CANDIDATE frames that match no open negotiation, without an ERROR, and counts them', async () => {
    await start();
    const alice = await join('alice');
    const bob = await join('bob');
    const mallory = await join('mallory');
    alice.send(signal('OFFER', 'bob', 'dc_real'));
    expect(await bob.next()).toMatchObject({ type: 'OFFER', payload: { connectionId: 'dc_real' } });

    // Made-up connection ids, as in the flood that made a client store thousands of messages.
    for (let n = 0; n < 40; n++) mallory.send(signal(n % 2 === 0 ? 'ANSWER' : 'CANDIDATE', 'bob', `dc_${n}`));
    // A real connection id, but mallory is in neither end of it.
    mallory.send(signal('CANDIDATE', 'bob', 'dc_real'));
    mallory.send(signal('ANSWER', 'alice', 'dc_real'));
    // The offerer cannot answer its own offer.
    alice.send(signal('ANSWER', 'bob', 'dc_real'));
    await sync(mallory, bob, 'bob', 'dc_sync');
    await sync(alice, bob, 'bob', 'dc_sync_alice');
    expect(bob.unread()).toEqual([]);
    expect(mallory.unread()).toEqual([]);
    expect(alice.unread()).toEqual([]);
    expect(await metric('rxmesh_signal_stray_frames_dropped_total')).toBe(43);

    bob.send(signal('ANSWER', 'alice', 'dc_real'));
    bob.send(signal('CANDIDATE', 'alice', 'dc_real'));
    alice.send(signal('CANDIDATE', 'bob', 'dc_real'));
    expect(await alice.next()).toMatchObject({ type: 'ANSWER', src: 'bob', payload: { connectionId: 'dc_real' } });
    expect(await alice.next()).toMatchObject({ type: 'CANDIDATE', src: 'bob', payload: { connectionId: 'dc_real' } });
    expect(await bob.next()).toMatchObject({ type: 'CANDIDATE', src: 'alice', payload: { connectionId: 'dc_real' } });
  });

  it('ends a negotiation negotiationIdleMs after its last frame; a late candidate is dropped', async () => {
    const { app } = await start({ negotiationIdleMs: 300 });
    const alice = await join('alice');
    const bob = await join('bob');
    alice.send(signal('OFFER', 'bob', 'dc_1'));
    await bob.next();
    bob.send(signal('ANSWER', 'alice', 'dc_1'));
    await alice.next();
    const lastFrameAt = Date.now();
    expect(app.signaling.openNegotiations).toBe(1);
    for (let waited = 0; app.signaling.openNegotiations > 0 && waited < 3_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(Date.now() - lastFrameAt).toBeGreaterThanOrEqual(290);
    expect(app.signaling.openNegotiations).toBe(0);
    bob.send(signal('CANDIDATE', 'alice', 'dc_1'));
    await sync(bob, alice, 'alice', 'dc_sync');
    expect(await metric('rxmesh_signal_stray_frames_dropped_total')).toBe(1);
  });

  it('lets 300 valid OFFERs from one sender reach their target only maxNegotiationsPerPair times', async () => {
    await start();
    const mallory = await join('mallory');
    const bob = await join('bob');
    for (let n = 0; n < 300; n++) mallory.send(signal('OFFER', 'bob', `dc_${n}`));
    const expired: ServerMessage[] = [];
    while (expired.length < 296) expired.push(await mallory.next());
    for (const message of expired) expect(message).toEqual({ type: 'EXPIRE', src: 'bob', dst: 'mallory' });
    const offers: (string | undefined)[] = [];
    while (offers.length < 4) offers.push((await bob.next()).payload?.connectionId);
    expect(offers).toEqual(['dc_0', 'dc_1', 'dc_2', 'dc_3']);
    expect(bob.unread()).toEqual([]);
    expect(await metric('rxmesh_signal_messages_expired_total', { reason: 'negotiations_per_pair' })).toBe(296);
    expect(await metric('rxmesh_signal_negotiations')).toBe(4);
  });

  it('bounds open negotiations per pair, per sender and in all, answering EXPIRE', async () => {
    await start({ maxNegotiationsPerPair: 2, maxNegotiationsPerSender: 3, maxNegotiations: 4 });
    const alice = await join('alice');
    const bob = await join('bob');
    const carol = await join('carol');
    const dave = await join('dave');
    const offer = (from: RawPeer, to: string, connectionId: string) => from.send(signal('OFFER', to, connectionId));
    const expireFor = (unreachable: string, to: string) => ({ type: 'EXPIRE', src: unreachable, dst: to });

    offer(alice, 'bob', 'dc_1');
    offer(alice, 'bob', 'dc_2');
    offer(alice, 'bob', 'dc_3');
    expect(await alice.next()).toEqual(expireFor('bob', 'alice'));
    // An OFFER again on an open negotiation is no new one (peerjs re-offers on the same connection id).
    offer(alice, 'bob', 'dc_1');
    offer(alice, 'carol', 'dc_4');
    offer(alice, 'dave', 'dc_5');
    expect(await alice.next()).toEqual(expireFor('dave', 'alice'));
    expect(await carol.next()).toMatchObject({ type: 'OFFER', src: 'alice', payload: { connectionId: 'dc_4' } });
    offer(bob, 'carol', 'dc_6');
    expect(await carol.next()).toMatchObject({ type: 'OFFER', src: 'bob', payload: { connectionId: 'dc_6' } });
    // Four open now (dc_1, dc_2, dc_4, dc_6): the server's limit.
    offer(carol, 'dave', 'dc_7');
    expect(await carol.next()).toEqual(expireFor('dave', 'carol'));
    const received = [];
    while (received.length < 3) received.push((await bob.next()).payload?.connectionId);
    expect(received).toEqual(['dc_1', 'dc_2', 'dc_1']);
    expect(dave.unread()).toEqual([]);
    for (const reason of ['negotiations_per_pair', 'negotiations_per_sender', 'negotiations_full']) {
      expect(await metric('rxmesh_signal_messages_expired_total', { reason })).toBe(1);
    }
  });
});
