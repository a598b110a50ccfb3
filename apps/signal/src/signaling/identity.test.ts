// Who may register an id: a key id only with a token signed by its key, and a freed id only with the token that
// held it, for idReservationMs.
import { afterEach, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import {
  closedWithin,
  keyIdentity,
  keyToken,
  RawPeer,
  type RunningServer,
  randomToken,
  startServer,
} from '../../testing/raw-peer.js';

let server: RunningServer | undefined;
const peers: RawPeer[] = [];

async function start(limits: NonNullable<Parameters<typeof startServer>[0]>['limits'] = {}): Promise<string> {
  server = await startServer({ limits });
  return server.httpUrl;
}

async function open(room: string, id: string, token: string): Promise<RawPeer> {
  const peer = await RawPeer.open(server?.httpUrl ?? '', { key: room, id, token, version: '1.5.5' });
  peers.push(peer);
  return peer;
}

async function refused(reason: string): Promise<number | undefined> {
  const exposition = await (await fetch(`${server?.httpUrl}/metrics`)).text();
  return sampleValue(exposition, 'rxmesh_signal_connections_refused_total', { reason });
}

/** Leaves and waits until the server has unregistered the peer. */
async function leave(peer: RawPeer): Promise<void> {
  peer.send({ type: 'LEAVE' });
  await closedWithin(peer, 2_000);
}

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await server?.app.close();
  server = undefined;
});

describe('key ids', () => {
  it('register with a token signed by the key for that room and id, and never with another', async () => {
    await start();
    const gateway = keyIdentity();
    const other = keyIdentity();
    const token = keyToken(gateway, 'room');
    expect(token).toHaveLength(102);
    const attempts = [
      randomToken(),
      keyToken(gateway, 'other-room'),
      keyToken(other, 'room'),
      // A valid token with one character changed.
      `${token.slice(0, 101)}${token.endsWith('A') ? 'B' : 'A'}`,
    ];
    for (const attempt of attempts) {
      const peer = await open('room', gateway.id, attempt);
      const answer = await peer.next();
      expect(answer.type).toBe('ERROR');
      expect(answer.payload?.msg).toBe(
        `The peer id ${gateway.id} is a public key, so its token must prove the key for room "room" (a signaling ` +
          'token signed by that key); this one does not. Sign a token with the key, or use another id.',
      );
      expect(await closedWithin(peer, 2_000)).toEqual({ code: 1008, reason: 'the token does not prove the key id' });
    }
    expect((await (await open('room', gateway.id, token)).next()).type).toBe('OPEN');
    expect(await refused('invalid_key_token')).toBe(attempts.length);
  });
});

describe('a key id held by one token', () => {
  it('goes to a newer token of the same key, and never to an older one or a replay', async () => {
    await start();
    const gateway = keyIdentity();
    const older = keyToken(gateway, 'room', Date.now() - 1000);
    const first = keyToken(gateway, 'room');
    const holder = await open('room', gateway.id, first);
    expect((await holder.next()).type).toBe('OPEN');
    expect((await (await open('room', gateway.id, older)).next()).type).toBe('ID-TAKEN');
    // The key's holder restarted: its newer token takes the id back at once.
    const restarted = await open('room', gateway.id, keyToken(gateway, 'room', Date.now() + 1000));
    expect((await restarted.next()).type).toBe('OPEN');
    expect(await closedWithin(holder, 2_000)).toEqual({
      code: 1000,
      reason: 'replaced by a newer connection of the same peer',
    });
    // Someone who overheard the first token cannot use it now, nor once the id is free.
    expect((await (await open('room', gateway.id, first)).next()).type).toBe('ID-TAKEN');
    await leave(restarted);
    expect((await (await open('room', gateway.id, first)).next()).type).toBe('ID-TAKEN');
  });
});

describe('id reservations', () => {
  it('keep a freed id for its token for idReservationMs; another token gets ID-TAKEN until then', async () => {
    await start({ idReservationMs: 300 });
    const alice = await open('room', 'alice', 'token-one');
    expect((await alice.next()).type).toBe('OPEN');
    await leave(alice);
    const impostor = await open('room', 'alice', 'token-two');
    expect(await impostor.next()).toEqual({ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } });
    expect((await closedWithin(impostor, 2_000)).code).toBe(1008);
    expect(await refused('id_reserved')).toBe(1);

    const back = await open('room', 'alice', 'token-one');
    expect((await back.next()).type).toBe('OPEN');
    await leave(back);
    const leftAgainAt = Date.now();
    for (let waited = 0; server?.app.signaling.idReservations !== 0 && waited < 3_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(Date.now() - leftAgainAt).toBeGreaterThanOrEqual(290);
    expect((await (await open('room', 'alice', 'token-two')).next()).type).toBe('OPEN');
  });

  it('are at most maxIdReservations: the oldest is dropped first', async () => {
    await start({ maxIdReservations: 1 });
    for (const id of ['first', 'second']) {
      const peer = await open('room', id, `${id}-token`);
      await peer.next();
      await leave(peer);
    }
    expect((await (await open('room', 'first', randomToken())).next()).type).toBe('OPEN');
    expect((await (await open('room', 'second', randomToken())).next()).type).toBe('ID-TAKEN');
    const exposition = await (await fetch(`${server?.httpUrl}/metrics`)).text();
    expect(sampleValue(exposition, 'rxmesh_signal_id_reservations')).toBe(1);
  });
});
