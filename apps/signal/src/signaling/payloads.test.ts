// Relayed payloads: what the stock peerjs 1.5 client sends passes unchanged; anything else is refused with ERROR
// and never reaches its destination, whose client would otherwise act on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from '../../testing/metrics-text.js';
import { RawPeer, type RunningServer, signal, signalPayload, startServer } from '../../testing/raw-peer.js';

const limits = { maxBadFrames: 100, maxMetadataChars: 64 };
let server: RunningServer;
let alice: RawPeer;
let bob: RawPeer;

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

const sdp = 'v=0\r\no=- 1849515080002808316 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n';

describe('relayed payloads', () => {
  it('relays the payloads peerjs sends from Chromium and from Node, unchanged', async () => {
    const payloads: [string, object][] = [
      // Node (@roamhq/wrtc), `connect(id, { reliable: true, serialization: 'json' })`.
      [
        'OFFER',
        {
          sdp: { type: 'offer', sdp },
          type: 'data',
          connectionId: 'dc_6eo4h6n0k3l',
          label: 'dc_6eo4h6n0k3l',
          reliable: true,
          serialization: 'json',
        },
      ],
      // Chromium, the default serialization (sent as "binary") with metadata.
      [
        'OFFER',
        {
          sdp: { sdp, type: 'offer' },
          type: 'data',
          connectionId: 'dc_mwe6l1ak4m',
          metadata: { note: 'hello' },
          label: 'dc_mwe6l1ak4m',
          reliable: false,
          serialization: 'binary',
        },
      ],
      ['OFFER', { sdp: { sdp, type: 'offer' }, type: 'media', connectionId: 'mc_4vzoqkndac', metadata: { m: 1 } }],
      ['ANSWER', { sdp: { sdp, type: 'answer' }, type: 'data', connectionId: 'dc_6eo4h6n0k3l' }],
      [
        'CANDIDATE',
        {
          candidate: {
            candidate: 'candidate:3197777369 1 udp 2113937151 572d9a75.local 57514 typ host generation 0 ufrag 3Cm6',
            sdpMid: '0',
            sdpMLineIndex: 0,
            usernameFragment: '3Cm6',
          },
          type: 'media',
          connectionId: 'mc_4vzoqkndac',
        },
      ],
      // RTCIceCandidate.toJSON() has null for what the browser does not know.
      [
        'CANDIDATE',
        {
          candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: null, sdpMLineIndex: 0 },
          type: 'data',
          connectionId: 'dc_6eo4h6n0k3l',
        },
      ],
    ];
    for (const [type, payload] of payloads) {
      const sender = type === 'ANSWER' ? bob : alice;
      sender.send({ type, payload, dst: sender === bob ? 'alice' : 'bob' });
      const receiver = sender === bob ? alice : bob;
      expect(await receiver.next()).toEqual({
        type,
        src: sender === bob ? 'bob' : 'alice',
        dst: receiver === bob ? 'bob' : 'alice',
        payload,
      });
    }
    expect(alice.unread()).toEqual([]);
  });

  it('refuses with ERROR every payload the stock client would choke on, and relays none of them', async () => {
    const offer = signalPayload('OFFER', 'dc_bad') as Record<string, unknown>;
    const candidate = signalPayload('CANDIDATE', 'dc_bad') as { candidate: Record<string, unknown> };
    const cases: [string, object, string][] = [
      // The attack: the receiving client calls `new this._serializers["nope"]`, which throws in its message handler.
      [
        'OFFER',
        { ...offer, serialization: 'nope' },
        'payload.serialization must be one of "raw", "json", "binary", "binary-utf8", "default"',
      ],
      ['OFFER', { ...offer, serialization: undefined }, 'payload must have required properties serialization'],
      ['OFFER', { ...offer, type: 'screen' }, 'payload.type must be "data"'],
      ['OFFER', { ...offer, sdp: { type: 'answer', sdp } }, 'payload.sdp.type must be "offer"'],
      ['OFFER', { ...offer, sdp: 'v=0' }, 'payload.sdp must be object'],
      [
        'OFFER',
        { ...offer, connectionId: '../../etc' },
        'payload.connectionId must match pattern "^[A-Za-z0-9_-]{1,64}$"',
      ],
      ['OFFER', { ...offer, label: 'x'.repeat(257) }, 'payload.label must not have more than 256 characters'],
      ['OFFER', { ...offer, padding: 'x' }, 'payload has a field the protocol does not have: "padding"'],
      ['OFFER', { ...offer, metadata: { blob: 'x'.repeat(64) } }, 'payload.metadata is 75 characters of JSON, over 64'],
      [
        'ANSWER',
        { ...signalPayload('ANSWER', 'dc_bad'), sdp: { type: 'offer', sdp } },
        'payload.sdp.type must be "answer"',
      ],
      ['CANDIDATE', { ...candidate, candidate: 'candidate:1' }, 'payload.candidate must be object'],
      [
        'CANDIDATE',
        { ...candidate, candidate: { ...candidate.candidate, sdpMLineIndex: -1 } },
        'payload.candidate.sdpMLineIndex must be >= 0',
      ],
      ['CANDIDATE', { ...candidate, type: undefined }, 'payload must have required properties type'],
    ];
    for (const [type, payload, problem] of cases) {
      alice.send({ type, dst: 'bob', payload });
      const answer = await alice.next();
      expect(answer.type).toBe('ERROR');
      expect(answer.payload?.msg).toBe(`The ${type} frame is not valid: ${problem}.`);
    }
    // Frames of one socket are handled in order: once bob has this one, none of the above reached him.
    alice.send(signal('OFFER', 'bob', 'dc_good'));
    expect(await bob.next()).toMatchObject({ type: 'OFFER', payload: { connectionId: 'dc_good' } });
    expect(bob.unread()).toEqual([]);
    const exposition = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(sampleValue(exposition, 'rxmesh_signal_frames_rejected_total', { reason: 'payload' })).toBe(cases.length);
  });
});
