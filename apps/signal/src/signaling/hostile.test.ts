// Hostile input: each attack is answered (ERROR, then a close) while two other peers keep exchanging messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { closedWithin, RawPeer, type RunningServer, randomToken, signal, startServer } from '../../testing/raw-peer.js';

// A round trip every 20 ms opens a negotiation each time: far more than a real pair would, so allowed here.
const limits = {
  maxMessageBytes: 1024,
  messageBurst: 20,
  messagesPerSecond: 100,
  maxBadFrames: 5,
  maxNegotiationsPerPair: 1_000,
  maxNegotiationsPerSender: 1_000,
};
let server: RunningServer;
let alice: RawPeer;
let bob: RawPeer;
let rounds = 0;

/** alice offers, bob answers; both must arrive intact. */
async function roundTrip(): Promise<void> {
  const connectionId = `dc_${rounds++}`;
  alice.send(signal('OFFER', 'bob', connectionId));
  expect(await bob.next()).toMatchObject({ type: 'OFFER', src: 'alice', payload: { connectionId } });
  bob.send(signal('ANSWER', 'alice', connectionId));
  expect(await alice.next()).toMatchObject({ type: 'ANSWER', src: 'bob', payload: { connectionId } });
}

/** Round trips every 20 ms until `until` settles (at most 500), and one more after, so attacks run while peers talk. */
async function chatterDuring(until: Promise<unknown>): Promise<void> {
  let settled = false;
  const stop = () => {
    settled = true;
  };
  until.then(stop, stop);
  for (let n = 0; n < 500 && !settled; n++) {
    await roundTrip();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await roundTrip();
}

async function attacker(id: string): Promise<RawPeer> {
  return RawPeer.join(server.httpUrl, 'room', id, randomToken());
}

async function errorText(peer: RawPeer): Promise<string> {
  const message = await peer.next();
  expect(message.type).toBe('ERROR');
  return String(message.payload?.msg);
}

beforeAll(async () => {
  server = await startServer({ limits });
  alice = await RawPeer.join(server.httpUrl, 'room', 'alice');
  bob = await RawPeer.join(server.httpUrl, 'room', 'bob');
});

afterAll(async () => {
  alice.close();
  bob.close();
  await server.app.close();
});

describe('signaling under hostile input', () => {
  it('answers malformed and schema-violating frames with ERROR, then closes after five (1008)', async () => {
    const mallory = await attacker('mallory');
    const attack = (async () => {
      mallory.send('{"type": "OFFER",');
      expect(await errorText(mallory)).toContain('not valid JSON');
      mallory.send({ type: 'OFFER', payload: { type: 'data', connectionId: 'dc_1' } });
      expect(await errorText(mallory)).toContain('The OFFER frame is not valid: must have required properties dst');
      mallory.send({ type: 'PWN', dst: 'bob' });
      expect(await errorText(mallory)).toContain('must be one of HEARTBEAT, OFFER, ANSWER, CANDIDATE, LEAVE');
      mallory.send({ type: 'CANDIDATE', dst: '../bob', payload: { type: 'data', connectionId: 'dc_1' } });
      expect(await errorText(mallory)).toContain('dst must match pattern');
      mallory.socket.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await errorText(mallory)).toContain('Closing: 5 refused frames');
      return closedWithin(mallory, 2_000);
    })();
    const [closed] = await Promise.all([attack, chatterDuring(attack)]);
    expect(closed.code).toBe(1008);
    expect(server.app.signaling.roomPeerCount('room')).toBe(2);
  });

  it('closes a socket that sends a frame over maxMessageBytes with 1009', async () => {
    const oscar = await attacker('oscar');
    const attack = (async () => {
      oscar.send({ type: 'HEARTBEAT', padding: 'x'.repeat(2 * limits.maxMessageBytes) });
      return closedWithin(oscar, 2_000);
    })();
    const [closed] = await Promise.all([attack, chatterDuring(attack)]);
    expect(closed.code).toBe(1009);
  });

  it('refuses a flood beyond the rate limit with ERROR and closes the flooder', async () => {
    const flooder = await attacker('flooder');
    const attack = (async () => {
      for (let n = 0; n < 1_000; n++) flooder.send({ type: 'HEARTBEAT' });
      const closed = await closedWithin(flooder, 3_000);
      return { closed, errors: flooder.unread() };
    })();
    const [{ closed, errors }] = await Promise.all([attack, chatterDuring(attack)]);
    expect(closed.code).toBe(1008);
    expect(errors).toHaveLength(limits.maxBadFrames);
    for (const error of errors) expect(error.payload?.msg).toContain('Too many frames: at most 20 at once');
  });

  it('still answers /healthz, and /metrics counts each refusal by reason', async () => {
    const health = await fetch(`${server.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    const exposition = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const rejected = (reason: string) => sampleValue(exposition, 'rxmesh_signal_frames_rejected_total', { reason });
    expect(rejected('malformed_json')).toBe(1);
    expect(rejected('schema')).toBe(3);
    expect(rejected('binary')).toBe(1);
    expect(rejected('oversized')).toBe(1);
    expect(rejected('rate_limited')).toBe(limits.maxBadFrames);
    expect(sampleValue(exposition, 'rxmesh_signal_sockets_closed_by_server_total', { reason: 'bad_frames' })).toBe(2);
    expect(sampleValue(exposition, 'rxmesh_signal_peers')).toBe(2);
    expect(sampleValue(exposition, 'rxmesh_signal_frames_relayed_total', { type: 'OFFER' })).toBe(rounds);
    await roundTrip();
  });
});
