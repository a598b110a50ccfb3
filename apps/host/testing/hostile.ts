// Test and benchmark support for the hostile-peer suite (hostile.test.ts and scripts/bench-floods.mjs), against a
// real `rxmesh serve`: a stranger that runs the stock peerjs client without rxmesh's guard, opens raw links and
// writes whatever it likes on them (it signs with its own keys only), and the floods a stranger sends through
// signaling on raw PeerJS WebSockets, from as many loopback addresses as it needs (a crowd, or one host with many
// addresses). Protocol messages come from the caller, built with core's Envelopes: this module moves bytes and
// keeps what comes back.
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import wrtc from '@roamhq/wrtc';
import { type Identity, idOfPublicKey, type PeerInfo, type SignatureScheme, signalingToken } from '@rxmesh/core';
import type { Log, MeshNode } from '@rxmesh/mesh';
import { PEERJS_PATH } from '@rxmesh/signal';
import { WebSocket } from 'ws';
import { newIdentity, scheme } from '../src/keys.js';
import { joinCluster } from '../src/mesh/join-cluster.js';
import { createNodePeer, type Peer } from '../src/mesh/node-peer.js';

/** The parts of peerjs's DataConnection (raw serialization) a stranger uses. */
interface RawConnection {
  readonly open: boolean;
  readonly dataChannel: { readonly bufferedAmount: number; readonly readyState: string; send(data: string): void };
  on(event: 'open' | 'close', listener: () => void): unknown;
  on(event: 'data', listener: (data: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
}

/** A message this stranger received on a link: `type` and whatever else it holds, unchecked. */
export interface Received {
  type: string;
  [field: string]: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `everyMs` until it answers, or throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(everyMs);
  }
}

/** What a stranger says about itself in its hello: a browser-like worker unless told otherwise. */
export function strangerInfo(id: string, overrides: Partial<PeerInfo> = {}): PeerInfo {
  return {
    id,
    name: 'stranger',
    role: 'worker',
    engine: 'wasm',
    mode: 'light',
    cores: 2,
    memoryMb: 2048,
    mines: true,
    hashrate: 10,
    maxLinks: 8,
    startedAt: Date.now(),
    jobSource: false,
    ...overrides,
  };
}

/**
 * A peer of the room that follows none of rxmesh's rules: its key id is registered with a valid token (anyone can
 * make a key), and it runs the stock peerjs client. createNodePeer() installs peerjs's globals (wrtc, ws) and
 * fronts the Peer with core's guard, which takes the place of `Peer._handleMessage` on the instance; deleting that
 * property gives the stock client back.
 */
export class Stranger {
  private readonly links: RawLink[] = [];

  private constructor(
    readonly identity: Identity,
    readonly peer: Peer,
  ) {}

  get id(): string {
    return this.identity.id;
  }

  static async register(signalUrl: string, room: string, identity: Identity = newIdentity()): Promise<Stranger> {
    const token = signalingToken(scheme, identity, room, Date.now(), randomBytes(6));
    const guarded = await createNodePeer({ signalUrl, room, id: identity.id, token });
    delete (guarded.peer as unknown as { _handleMessage?: unknown })._handleMessage;
    return new Stranger(identity, guarded.peer);
  }

  /** Opens a raw data connection to `to` and resolves once it is open; rejects if it closes first. */
  async link(to: string, timeoutMs = 10_000): Promise<RawLink> {
    const connection = this.peer.connect(to, { reliable: true, serialization: 'raw' }) as unknown as
      | RawConnection
      | undefined;
    if (connection === undefined) throw new Error(`${this.id} could not offer a connection to ${to}.`);
    const link = new RawLink(connection, to);
    this.links.push(link);
    const outcome = await until(`a link from ${this.id} to ${to}`, timeoutMs, () =>
      link.isOpen ? 'open' : link.closedAt !== null ? 'closed' : undefined,
    );
    if (outcome === 'closed') throw new Error(`${to} closed the link from ${this.id} before it opened.`);
    return link;
  }

  destroy(): void {
    for (const link of this.links) link.close();
    this.peer.destroy();
  }
}

/** One raw link of a stranger: frames go out as they are given; what comes back is kept, parsed when it is JSON. */
export class RawLink {
  /** Every message received, in order; frames of messages longer than a frame are counted in `fragments`. */
  readonly received: Received[] = [];
  fragments = 0;
  /** When the other side (or this one) closed the link; null while it is open. */
  closedAt: number | null = null;
  readonly closed: Promise<void>;
  private opened = false;

  constructor(
    private readonly connection: RawConnection,
    readonly peer: string,
  ) {
    connection.on('open', () => {
      this.opened = true;
    });
    connection.on('data', (data) => {
      this.opened = true;
      if (typeof data !== 'string' || data.startsWith('~') || data.startsWith('+')) {
        this.fragments++;
        return;
      }
      try {
        this.received.push(JSON.parse(data) as Received);
      } catch {
        this.received.push({ type: 'not-json', text: data });
      }
    });
    connection.on('error', () => {});
    this.closed = new Promise((resolve) =>
      connection.on('close', () => {
        this.closedAt ??= Date.now();
        resolve();
      }),
    );
  }

  get isOpen(): boolean {
    return this.opened && this.closedAt === null && this.connection.dataChannel?.readyState === 'open';
  }

  /** Bytes written and not yet sent. */
  get buffered(): number {
    return this.connection.dataChannel?.bufferedAmount ?? 0;
  }

  /** Writes one frame as it is (text that is not JSON included). */
  sendText(frame: string): void {
    this.connection.dataChannel.send(frame);
  }

  /** Writes one message as a single frame of JSON text. */
  send(message: object): void {
    this.sendText(JSON.stringify(message));
  }

  /**
   * Writes one message unless the link has closed, as the other side may do at any moment; answers whether it went
   * out. The frame is made before the check, so that no work falls between the check and the write.
   */
  sendIfOpen(message: object): boolean {
    const frame = JSON.stringify(message);
    if (!this.isOpen) return false;
    try {
      this.sendText(frame);
      return true;
    } catch (error) {
      // Closed in the instant between the check and the write.
      if ((error as Error).name === 'InvalidStateError') return false;
      throw error;
    }
  }

  /** Waits until at most `bytes` are still unsent: a stranger that floods still cannot outrun its channel. */
  async drain(bytes = 1024 * 1024, timeoutMs = 30_000): Promise<void> {
    await until(
      'the channel to drain',
      timeoutMs,
      () => (this.buffered <= bytes || !this.isOpen ? true : undefined),
      5,
    );
  }

  /** The first message received at index `from` or later that `match` accepts, waiting at most `timeoutMs`. */
  async next(what: string, match: (message: Received) => boolean, timeoutMs = 5_000, from = 0): Promise<Received> {
    return until(`${what} from ${this.peer}`, timeoutMs, () => this.received.slice(from).find(match));
  }

  /** Resolves once the link is closed, or throws after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<number> {
    return until(`the link to ${this.peer} to close`, timeoutMs, () => this.closedAt ?? undefined, 10);
  }

  close(): void {
    this.connection.close();
  }
}

/** The JSON a signed value carries, unchecked (a stranger reads what it receives without trusting it). */
export function payloadOf<T = Record<string, unknown>>(message: Received): T {
  return JSON.parse((message.signed as { payload: string }).payload) as T;
}

/**
 * Keys made in bulk, as a stranger makes them for a flood: 32 random bytes imported as a JWK (≈0.1 ms a key; OpenSSL
 * takes the key from `d` and derives the public key itself, where importing PKCS #8 bytes costs ≈0.5 ms), and a
 * SignatureScheme that signs with the key objects it made (the latest 1,024) and verifies as rxmesh does. Not
 * generateKeyPairSync(): on Node 20, exporting its keys while V8 collects finished key jobs can deadlock.
 */
export function bulkKeys(): { scheme: SignatureScheme; next(): Identity } {
  const made = new Map<string, KeyObject>();
  const objectOf = (secretKey: Uint8Array) => {
    const key = made.get(Buffer.from(secretKey).toString('base64'));
    if (key === undefined) throw new Error('bulkKeys() signs only with the keys it made.');
    return key;
  };
  const publicOf = (key: KeyObject) =>
    new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX_BYTES));
  return {
    scheme: {
      publicKey: (secretKey) => publicOf(objectOf(secretKey)),
      sign: (secretKey, message) => new Uint8Array(sign(null, message, objectOf(secretKey))),
      verify: (publicKey, message, signature) => scheme.verify(publicKey, message, signature),
    },
    next(): Identity {
      const secretKey = new Uint8Array(randomBytes(32));
      const d = Buffer.from(secretKey).toString('base64url');
      const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x: d }, format: 'jwk' });
      const publicKey = publicOf(privateKey);
      made.set(Buffer.from(secretKey).toString('base64'), privateKey);
      if (made.size > 1024) made.delete(made.keys().next().value as string);
      return { id: idOfPublicKey(publicKey), publicKey, secretKey };
    },
  };
}

/** An Ed25519 SubjectPublicKeyInfo is 12 bytes of DER, then the 32-byte key. */
const SPKI_PREFIX_BYTES = 12;

// ---- floods through signaling ----

/** What a flood socket received from the server, by type, and how it ended. */
interface SocketLog {
  counts: Map<string, number>;
  closeCode: number | null;
}

/**
 * Raw PeerJS WebSockets, each registered under an id of its own in `room`, opened `perAddress` to a loopback
 * address from 127.0.0.2 on (the server allows 64 sockets per address; a crowd comes from many).
 */
export class SocketFlood {
  private constructor(
    readonly sockets: WebSocket[],
    readonly ids: string[],
    private readonly logs: SocketLog[],
  ) {}

  static async open(options: {
    httpUrl: string;
    room: string;
    count: number;
    perAddress?: number;
    /** The first loopback address is 127.0.0.(2 + firstAddress), so that floods of one run use different ones. */
    firstAddress?: number;
  }): Promise<SocketFlood> {
    const { httpUrl, room, count } = options;
    const perAddress = options.perAddress ?? 60;
    const firstAddress = options.firstAddress ?? 0;
    const sockets: WebSocket[] = [];
    const ids: string[] = [];
    const logs: SocketLog[] = [];
    const openOne = async (index: number) => {
      const id = randomUUID();
      const address = 2 + firstAddress + Math.floor(index / perAddress);
      if (address > 254) throw new Error(`${count} sockets at ${perAddress} per address need too many addresses.`);
      const url = new URL(`${PEERJS_PATH}/peerjs`, httpUrl.replace(/^http/, 'ws'));
      for (const [name, value] of Object.entries({ key: room, id, token: randomToken(), version: '1.5.5' })) {
        url.searchParams.set(name, value);
      }
      const socket = new WebSocket(url, { localAddress: `127.0.0.${address}` });
      const log: SocketLog = { counts: new Map(), closeCode: null };
      sockets[index] = socket;
      ids[index] = id;
      logs[index] = log;
      socket.on('close', (code) => {
        log.closeCode = code;
      });
      await new Promise<void>((resolve, reject) => {
        socket.on('message', (data) => {
          const type = String((JSON.parse(String(data)) as { type?: unknown }).type);
          log.counts.set(type, (log.counts.get(type) ?? 0) + 1);
          if (type === 'OPEN') resolve();
          else if (log.counts.size === 1) reject(new Error(`Socket ${index} was answered ${type}, not OPEN.`));
        });
        socket.once('error', reject);
      });
    };
    for (let first = 0; first < count; first += 100) {
      const batch: Promise<void>[] = [];
      for (let index = first; index < Math.min(count, first + 100); index++) batch.push(openOne(index));
      await Promise.all(batch);
    }
    return new SocketFlood(sockets, ids, logs);
  }

  /** Sends `perSocket(index)` frames on each socket, without waiting for an answer. */
  send(frames: (socketIndex: number) => object[]): number {
    let sent = 0;
    this.sockets.forEach((socket, index) => {
      for (const frame of frames(index)) {
        socket.send(JSON.stringify(frame));
        sent++;
      }
    });
    return sent;
  }

  /** Messages of `type` the server sent to all these sockets. */
  received(type: string): number {
    return this.logs.reduce((sum, log) => sum + (log.counts.get(type) ?? 0), 0);
  }

  /** Sockets the server closed (any close before ours). */
  get closedByServer(): number {
    return this.logs.filter((log) => log.closeCode !== null).length;
  }

  /** Waits until every socket's buffered frames went out. */
  async flushed(timeoutMs = 10_000): Promise<void> {
    await until('the flood to leave its sockets', timeoutMs, () =>
      this.sockets.every((socket) => socket.bufferedAmount === 0) ? true : undefined,
    );
  }

  close(): void {
    for (const socket of this.sockets) socket.terminate();
  }
}

export function randomToken(): string {
  return randomBytes(8).toString('hex');
}

/**
 * ANSWER and CANDIDATE frames for connections nobody offered, alternately, shaped as peerjs 1.5 sends them: every
 * frame a stray that signaling must drop before it reaches `dst`.
 */
export function strayFrames(dst: string, count: number): object[] {
  const frames: object[] = [];
  for (let n = 0; n < count; n++) {
    const connectionId = `dc_${randomBytes(6).toString('hex')}`;
    frames.push(
      n % 2 === 0
        ? { type: 'ANSWER', dst, payload: { type: 'data', connectionId, sdp: { type: 'answer', sdp: ANSWER_SDP } } }
        : {
            type: 'CANDIDATE',
            dst,
            payload: {
              type: 'data',
              connectionId,
              candidate: {
                candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${40_000 + (n % 20_000)} typ host generation 0`,
                sdpMid: '0',
                sdpMLineIndex: 0,
              },
            },
          },
    );
  }
  return frames;
}

const ANSWER_SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

/** A data connection's offer as wrtc writes it, for OFFER floods that the receiving peer can act on. */
export async function realOfferSdp(): Promise<string> {
  const connection = new wrtc.RTCPeerConnection();
  connection.createDataChannel('offer');
  const offer = await connection.createOffer();
  connection.close();
  return offer.sdp ?? '';
}

/** OFFER frames for raw data connections to `dst`, with a real SDP: what a peer that opens rxmesh links sends. */
export function offerFrames(dst: string, sdp: string, count: number): object[] {
  return Array.from({ length: count }, () => {
    const connectionId = `dc_${randomBytes(6).toString('hex')}`;
    return {
      type: 'OFFER',
      dst,
      payload: {
        type: 'data',
        connectionId,
        sdp: { type: 'offer', sdp },
        label: connectionId,
        reliable: true,
        serialization: 'raw',
      },
    };
  });
}

// ---- the server's memory ----

export interface ServerMemory {
  /** process_resident_memory_bytes */
  rss: number;
  /** nodejs_heap_size_used_bytes */
  heapUsed: number;
}

const MEMORY_SAMPLES = {
  rss: /^process_resident_memory_bytes (\d+)$/m,
  heapUsed: /^nodejs_heap_size_used_bytes (\d+)$/m,
};

/**
 * GET `path` as text. Tried up to 3 times: a kept-alive connection the server closes as the request goes out fails
 * (undici: "other side closed"), and the scrapes here come often.
 */
export async function getText(httpUrl: string, path: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(new URL(path, httpUrl))).text();
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(50);
    }
  }
}

/** The server's RSS and V8 heap in use, from its /metrics. */
export async function serverMemory(httpUrl: string): Promise<ServerMemory> {
  const text = await getText(httpUrl, '/metrics');
  const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return { rss: read(MEMORY_SAMPLES.rss), heapUsed: read(MEMORY_SAMPLES.heapUsed) };
}

/**
 * Runs a full garbage collection in a process started with `--inspect` (its inspector at `debuggerUrl`, the
 * `ws://…` it prints), so that memory read next is what the process holds, not garbage V8 has not collected yet:
 * native memory (a KeyObject's key, a peer connection's buffers) is invisible to V8 and waits for its next full GC.
 */
export async function collectGarbage(debuggerUrl: string): Promise<void> {
  const socket = new WebSocket(debuggerUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { id?: number }).id === 1) resolve();
      });
      socket.once('close', () => reject(new Error('The inspector closed before the collection ended.')));
    });
  } finally {
    socket.close();
  }
}

/** The server's memory after a full garbage collection (see collectGarbage). */
export async function heldMemory(httpUrl: string, debuggerUrl: string): Promise<ServerMemory> {
  await collectGarbage(debuggerUrl);
  return serverMemory(httpUrl);
}

/** The inspector's address in what a process started with `--inspect=127.0.0.1:0` wrote to stderr. */
export function debuggerUrlIn(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

/** Samples the server's memory every `everyMs` until stopped: before, peak and after. */
export function watchMemory(httpUrl: string, everyMs = 100) {
  let stopped = false;
  const peak: ServerMemory = { rss: 0, heapUsed: 0 };
  const sampling = (async () => {
    while (!stopped) {
      const sample = await serverMemory(httpUrl);
      peak.rss = Math.max(peak.rss, sample.rss);
      peak.heapUsed = Math.max(peak.heapUsed, sample.heapUsed);
      await sleep(everyMs);
    }
  })();
  return {
    peak,
    async stop(): Promise<ServerMemory> {
      stopped = true;
      await sampling;
      const after = await serverMemory(httpUrl);
      peak.rss = Math.max(peak.rss, after.rss);
      peak.heapUsed = Math.max(peak.heapUsed, after.heapUsed);
      return after;
    },
  };
}

/** An honest peer that joins the cluster at `url` in this process, as a tab or a host would: a worker that does not
 * mine. Its log goes to `log`, when given. */
export function joinAsNewcomer(
  url: string,
  room: string,
  clusterKey: string,
  log: Log = { info: () => {}, warn: () => {}, error: () => {} },
): Promise<MeshNode> {
  return joinCluster({
    signalUrls: [new URL(url)],
    room,
    keys: { scheme, identity: newIdentity(), cluster: clusterKey, credential: null },
    info: {
      name: 'newcomer',
      engine: 'native',
      mode: 'light',
      cores: 2,
      memoryMb: 1024,
      mines: false,
      maxLinks: 8,
      jobSource: false,
    },
    source: 'none',
    log,
    statusSeconds: 600,
  });
}
