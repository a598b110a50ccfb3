import { describe, expect, it } from 'vitest';
import { CHAIN_MAIN_TOPIC, MAX_FRAME_BYTES, type ZmtpOutput, ZmtpSubscriber } from './zmtp.js';

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (bytes: Uint8Array) => String.fromCharCode(...bytes);

/** A libzmq publisher's greeting, as monerod 0.18 sends it: signature (with the ZMTP 1 length 1), version 3.1. */
function peerGreeting(mechanism = 'NULL'): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1]);
  bytes.set(ascii(mechanism), 12);
  return bytes;
}

function command(name: string, rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = Uint8Array.of(name.length, ...ascii(name), ...rest);
  return Uint8Array.of(0x04, body.length, ...body);
}

const peerReady = command('READY', Uint8Array.of(11, ...ascii('Socket-Type'), 0, 0, 0, 4, ...ascii('XPUB')));

function message(body: Uint8Array, more = false): Uint8Array {
  if (body.length < 256) return Uint8Array.of(more ? 1 : 0, body.length, ...body);
  const bytes = new Uint8Array(9 + body.length);
  bytes[0] = 0x02 | (more ? 1 : 0);
  new DataView(bytes.buffer).setBigUint64(1, BigInt(body.length));
  bytes.set(body, 9);
  return bytes;
}

const sent = (outputs: ZmtpOutput[]) => outputs.flatMap((out) => (out.kind === 'send' ? [out.bytes] : []));

/** A subscriber through the handshake; returns it and what it sent. */
function handshake() {
  const subscriber = new ZmtpSubscriber([CHAIN_MAIN_TOPIC]);
  const signature = subscriber.open();
  const rest = sent(subscriber.receive(peerGreeting().subarray(0, 10)));
  const ready = sent(subscriber.receive(peerGreeting().subarray(10)));
  const afterReady = subscriber.receive(peerReady);
  const subscriptions = sent(afterReady);
  return { subscriber, signature, rest, ready, subscriptions, afterReady };
}

describe('ZmtpSubscriber', () => {
  it('greets step by step as a ZMTP 3.0 NULL client, says READY as SUB, then subscribes to its topics', () => {
    const { signature, rest, ready, subscriptions, afterReady } = handshake();
    expect(afterReady.at(-1)).toEqual({ kind: 'subscribed' });
    expect([...signature]).toEqual([0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f]);
    expect(rest).toHaveLength(1);
    const greetingRest = rest[0] ?? new Uint8Array(0);
    expect(greetingRest.length).toBe(54);
    expect([...greetingRest.subarray(0, 2)]).toEqual([3, 0]);
    expect(text(greetingRest.subarray(2, 6))).toBe('NULL');
    expect([...greetingRest.subarray(6)].every((byte) => byte === 0)).toBe(true);
    expect(ready).toEqual([command('READY', Uint8Array.of(11, ...ascii('Socket-Type'), 0, 0, 0, 3, ...ascii('SUB')))]);
    expect(subscriptions).toEqual([Uint8Array.of(0, CHAIN_MAIN_TOPIC.length + 1, 1, ...ascii(CHAIN_MAIN_TOPIC))]);
  });

  it('delivers whole messages, short and long frames and multipart, however the bytes are split', () => {
    const long = ascii(`${CHAIN_MAIN_TOPIC}:${JSON.stringify({ ids: Array(20).fill('ab'.repeat(32)) })}`);
    const stream = Uint8Array.of(
      ...message(ascii(`${CHAIN_MAIN_TOPIC}:{"first_height":5}`)),
      ...message(ascii('head'), true),
      ...message(long),
    );
    for (const chunk of [stream.length, 7, 1]) {
      const { subscriber } = handshake();
      const messages: string[][] = [];
      for (let at = 0; at < stream.length; at += chunk) {
        for (const out of subscriber.receive(stream.subarray(at, at + chunk))) {
          if (out.kind === 'message') messages.push(out.parts.map(text));
          else throw new Error(`unexpected ${out.kind}`);
        }
      }
      expect(messages).toEqual([[`${CHAIN_MAIN_TOPIC}:{"first_height":5}`], ['head', text(long)]]);
    }
  });

  it('gives up, with a reason, on a peer that is not a ZMTP 3 NULL publisher or breaks the protocol', () => {
    const failure = (outputs: ZmtpOutput[]) => outputs.find((out) => out.kind === 'failed');
    const http = new ZmtpSubscriber([CHAIN_MAIN_TOPIC]);
    expect(failure(http.receive(ascii('HTTP/1.1 400 Bad Request\r\n')))).toMatchObject({
      reason: expect.stringContaining('ZeroMQ publisher'),
    });
    const curve = new ZmtpSubscriber([CHAIN_MAIN_TOPIC]);
    expect(failure(curve.receive(peerGreeting('CURVE')))).toMatchObject({ reason: expect.stringContaining('CURVE') });
    const early = new ZmtpSubscriber([CHAIN_MAIN_TOPIC]);
    expect(failure(early.receive(Uint8Array.of(...peerGreeting(), ...message(ascii('x')))))).toMatchObject({
      reason: expect.stringContaining('before READY'),
    });

    const { subscriber } = handshake();
    const oversized = new Uint8Array(9);
    oversized[0] = 0x02;
    new DataView(oversized.buffer).setBigUint64(1, BigInt(MAX_FRAME_BYTES + 1));
    expect(failure(subscriber.receive(oversized))).toMatchObject({ reason: expect.stringContaining('frame of') });
    expect(subscriber.receive(message(ascii('after the failure')))).toEqual([]);

    const refused = handshake().subscriber;
    const error = command('ERROR', Uint8Array.of(6, ...ascii('denied')));
    expect(failure(refused.receive(error))).toMatchObject({ reason: expect.stringContaining('denied') });
  });
});
