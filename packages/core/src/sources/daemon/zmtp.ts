// A ZeroMQ SUB socket's side of ZMTP 3.0 (rfc.zeromq.org/spec/23), sans-IO: enough to hear monerod's `--zmq-pub`
// notifications (topic "json-minimal-chain_main": a new chain tip) without a ZeroMQ library. NULL security only.
//
// The handshake goes step by step: our 10-byte signature, the rest of our greeting once the peer's signature has
// arrived, READY once its greeting has, and the subscriptions once its READY has. libzmq peers also accept a whole
// greeting at once in principle, but monerod's answered nothing past its signature when sent one (seen with
// monerod 0.18), and the stepwise exchange is what the spec describes for version detection anyway.

/** monerod's topic for a new main-chain tip (the JSON lists the new block ids). */
export const CHAIN_MAIN_TOPIC = 'json-minimal-chain_main';

const SIGNATURE_LENGTH = 10;
const GREETING_LENGTH = 64;
const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;
/** Frames larger than this end the connection: minimal chain notifications are a few hundred bytes. */
export const MAX_FRAME_BYTES = 1 << 20;

type Phase = 'signature' | 'greeting' | 'ready' | 'open' | 'failed';

export type ZmtpOutput =
  | { kind: 'send'; bytes: Uint8Array }
  /** The handshake is done and the subscriptions are sent: messages follow. */
  | { kind: 'subscribed' }
  /** A whole message: its frames in order. */
  | { kind: 'message'; parts: Uint8Array[] }
  /** The peer broke the protocol or refused; the connection should end. */
  | { kind: 'failed'; reason: string };

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function frame(flags: number, body: Uint8Array): Uint8Array {
  if (body.length > 255) throw new RangeError('Only short frames are sent.');
  const bytes = new Uint8Array(2 + body.length);
  bytes[0] = flags;
  bytes[1] = body.length;
  bytes.set(body, 2);
  return bytes;
}

/** The READY command of a socket of `socketType`, with its one property. */
function readyCommand(socketType: string): Uint8Array {
  const name = ascii('Socket-Type');
  const value = ascii(socketType);
  const body = new Uint8Array(1 + 5 + 1 + name.length + 4 + value.length);
  let at = 0;
  body[at++] = 5;
  body.set(ascii('READY'), at);
  at += 5;
  body[at++] = name.length;
  body.set(name, at);
  at += name.length;
  new DataView(body.buffer).setUint32(at, value.length);
  body.set(value, at + 4);
  return frame(FLAG_COMMAND, body);
}

/** ZMTP 3.0 subscribes with a message whose first byte is 1 (3.1 added a command for it, which 3.0 peers lack). */
function subscription(topic: string): Uint8Array {
  return frame(0, Uint8Array.of(1, ...ascii(topic)));
}

/** The greeting: signature, version 3.0, the NULL mechanism, as a client. */
function greeting(): Uint8Array {
  const bytes = new Uint8Array(GREETING_LENGTH);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3;
  bytes[11] = 0;
  bytes.set(ascii('NULL'), 12);
  return bytes;
}

/** Reads a command frame's name. */
function commandName(body: Uint8Array): string {
  const length = body[0] ?? 0;
  return String.fromCharCode(...body.subarray(1, 1 + length));
}

export class ZmtpSubscriber {
  private phase: Phase = 'signature';
  private buffer = new Uint8Array(0);
  private parts: Uint8Array[] = [];

  constructor(private readonly topics: readonly string[]) {}

  /** The first bytes to send once connected. */
  open(): Uint8Array {
    return greeting().subarray(0, SIGNATURE_LENGTH);
  }

  /** Takes bytes from the peer; returns what to send and the messages that are now whole. */
  receive(chunk: Uint8Array): ZmtpOutput[] {
    if (this.phase === 'failed') return [];
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    this.buffer = joined;
    const out: ZmtpOutput[] = [];
    for (;;) {
      const step = this.step();
      if (step === undefined) break;
      out.push(...step); // after a failure the next step is undefined
    }
    return out;
  }

  /** One step of the protocol from the buffer, or undefined when it needs more bytes. */
  private step(): ZmtpOutput[] | undefined {
    switch (this.phase) {
      case 'signature': {
        const signature = this.take(SIGNATURE_LENGTH);
        if (signature === undefined) return undefined;
        if (signature[0] !== 0xff || ((signature[9] ?? 0) & 1) !== 1) {
          return this.fail('the peer does not speak ZMTP 2 or later (is this port a ZeroMQ publisher?)');
        }
        this.phase = 'greeting';
        return [{ kind: 'send', bytes: greeting().subarray(SIGNATURE_LENGTH) }];
      }
      case 'greeting': {
        const rest = this.take(GREETING_LENGTH - SIGNATURE_LENGTH);
        if (rest === undefined) return undefined;
        if ((rest[0] ?? 0) < 3) return this.fail(`the peer speaks ZMTP ${rest[0]}.${rest[1]}, not 3`);
        const mechanism = String.fromCharCode(...rest.subarray(2, 22)).replace(/\0+$/, '');
        if (mechanism !== 'NULL') return this.fail(`the peer wants the ${mechanism} security mechanism, not NULL`);
        this.phase = 'ready';
        return [{ kind: 'send', bytes: readyCommand('SUB') }];
      }
      case 'ready':
      case 'open':
        return this.frame();
      case 'failed':
        return undefined;
    }
  }

  private frame(): ZmtpOutput[] | undefined {
    const flags = this.buffer[0];
    if (flags === undefined) return undefined;
    const long = (flags & FLAG_LONG) !== 0;
    const headerLength = long ? 9 : 2;
    if (this.buffer.length < headerLength) return undefined;
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    const size = long ? view.getBigUint64(1) : BigInt(this.buffer[1] ?? 0);
    if (size > BigInt(MAX_FRAME_BYTES)) return this.fail(`the peer sent a frame of ${size} bytes`);
    const total = headerLength + Number(size);
    if (this.buffer.length < total) return undefined;
    const body = this.buffer.slice(headerLength, total);
    this.buffer = this.buffer.subarray(total);

    if ((flags & FLAG_COMMAND) !== 0) return this.command(body);
    if (this.phase !== 'open') return this.fail('the peer sent a message before READY');
    this.parts.push(body);
    if ((flags & FLAG_MORE) !== 0) return [];
    const parts = this.parts;
    this.parts = [];
    return [{ kind: 'message', parts }];
  }

  private command(body: Uint8Array): ZmtpOutput[] {
    const name = commandName(body);
    if (name === 'ERROR') {
      const reason = String.fromCharCode(...body.subarray(7, 7 + (body[6] ?? 0)));
      return this.fail(`the peer refused the connection: ${reason || 'no reason given'}`);
    }
    if (name !== 'READY' || this.phase !== 'ready') return []; // heartbeats and the like, which 3.0 does not use
    this.phase = 'open';
    return [
      ...this.topics.map((topic) => ({ kind: 'send' as const, bytes: subscription(topic) })),
      { kind: 'subscribed' },
    ];
  }

  private take(length: number): Uint8Array | undefined {
    if (this.buffer.length < length) return undefined;
    const bytes = this.buffer.slice(0, length);
    this.buffer = this.buffer.subarray(length);
    return bytes;
  }

  private fail(reason: string): ZmtpOutput[] {
    this.phase = 'failed';
    return [{ kind: 'failed', reason }];
  }
}
