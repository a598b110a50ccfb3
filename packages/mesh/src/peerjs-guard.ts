// The stock peerjs client (1.5.5, pinned) acts on every frame from the signaling server at once, in
// Peer._handleMessage: an OFFER builds a connection with whichever serializer it names and a new RTCPeerConnection,
// an ANSWER or CANDIDATE for a connection it does not know is kept forever, and whatever throws on the way ends a
// Node process. Those frames come from strangers. GuardedPeer takes _handleMessage's place on one Peer, so that
// nothing reaches peerjs unchecked: each frame must fit its schema and is rebuilt from the fields it checked; offers
// are taken only for raw data connections (rxmesh links) and within bounds on connections not yet open; frames for
// connections peerjs does not know are dropped; and what peerjs or WebRTC throws closes that one connection. Every
// bound is counted (LinkCounters) and reported as a problem. GuardedPeer is the MeshTransport a MeshNode runs on.
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import {
  describeError,
  Listeners,
  type PeerjsConnection,
  PeerjsLink,
  type ReportProblem,
  type StatsEntry,
} from './peerjs-link.js';
import { platform, type TimerHandle } from './platform.js';
import {
  type LinkCounter,
  type LinkCounters,
  type LinkProblem,
  type MeshConnection,
  type MeshTransport,
  type UrlParts,
  zeroLinkCounters,
} from './transport.js';

export interface GuardLimits {
  /** Connections not open yet, per remote peer (a link, and one crossing it). */
  halfOpenPerPeer: number;
  /** Connections not open yet, in all: each holds an RTCPeerConnection. */
  halfOpen: number;
  /** Connections in all, open or not (a coordinator holds at most 64 links). */
  connections: number;
  /** An offered connection that has not opened by then is closed. */
  openTimeoutMs: number;
  /** ICE candidates taken per connection (a peer without STUN/TURN has a few). */
  candidatesPerConnection: number;
}

export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  halfOpenPerPeer: 2,
  halfOpen: 16,
  connections: 128,
  openTimeoutMs: 10_000,
  candidatesPerConnection: 32,
};

/** The public parts of peerjs's `Peer` the guard calls. */
export interface PeerjsPeer {
  readonly id: string;
  readonly disconnected: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(peer: string, options: { reliable: boolean; serialization: 'raw' }): unknown;
  reconnect(): void;
  listAllPeers(callback: (ids: unknown) => void): void;
  destroy(): void;
}

/** The peerjs internals the guard relies on; GuardedPeer checks them when it is made. */
interface PeerjsInternals {
  /** Called by peerjs's socket with every frame from the server, looked up on the Peer each time. */
  _handleMessage(frame: unknown): void;
  /** Every connection, by remote peer id; peerjs leaves an empty list behind when the last one closes. */
  readonly _connections: Map<string, InternalConnection[]>;
  /** The server it talks to; its HTTP requests read these each time. */
  readonly _options: { host: string; port: number; secure: boolean; path: string; key: string };
  /** The signaling socket, which builds its URL once, when it is made. */
  readonly _socket: { _baseUrl: string };
}

interface InternalConnection extends PeerjsConnection {
  readonly connectionId: string;
  /** Null once the connection is closed. */
  readonly peerConnection: {
    ondatachannel: ((event: { channel: { close(): void } }) => void) | null;
    getStats(): Promise<{ forEach(visit: (entry: StatsEntry) => void): void }>;
  } | null;
  /** A Promise in peerjs 1.5, which settles once WebRTC has taken the description or candidate. */
  handleMessage(frame: SignalFrame): unknown;
}

/** The options rxmesh links are opened with; offers for anything else are refused. */
const LINK_OPTIONS = { reliable: true, serialization: 'raw' } as const;
/** A data connection's offer or answer is 0.5–2 KiB; the signaling server relays at most 16 KiB. */
const MAX_SDP_BYTES = 16 * 1024;
/** How often each counter may speak. */
const REPORT_INTERVAL_MS = 10_000;

// ---- the frames of the signaling server, as peerjs reads them ----

const PeerId = Type.String({ minLength: 1, maxLength: 64 });
const ConnectionId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Description = <T extends 'offer' | 'answer'>(type: T) =>
  Type.Object({ type: Type.Literal(type), sdp: Type.String({ maxLength: MAX_SDP_BYTES, pattern: '^v=0\\r?\\n' }) });
/** RFC 8839's candidate-attribute: foundation, component, transport, priority, address, port, type, extensions. */
const CANDIDATE_PATTERN =
  '^candidate:[^ ]{1,32} [0-9]{1,3} (udp|tcp|UDP|TCP) [0-9]{1,10} [^ ]{1,255} [0-9]{1,5} typ (host|srflx|prflx|relay)( [ -~]*)?$';
const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const OfferSchema = Type.Object({
  type: Type.Literal('OFFER'),
  src: PeerId,
  payload: Type.Object({
    type: Type.String({ maxLength: 16 }),
    connectionId: ConnectionId,
    serialization: Type.Optional(Type.String({ maxLength: 32 })),
    reliable: Type.Optional(Type.Boolean()),
    label: Type.Optional(Type.String({ maxLength: 256 })),
    sdp: Description('offer'),
  }),
});
const AnswerSchema = Type.Object({
  type: Type.Literal('ANSWER'),
  src: PeerId,
  payload: Type.Object({ type: Type.Literal('data'), connectionId: ConnectionId, sdp: Description('answer') }),
});
const CandidateSchema = Type.Object({
  type: Type.Literal('CANDIDATE'),
  src: PeerId,
  payload: Type.Object({
    type: Type.Literal('data'),
    connectionId: ConnectionId,
    candidate: Type.Object({
      candidate: Type.String({ maxLength: 1024, pattern: CANDIDATE_PATTERN }),
      sdpMid: Nullable(Type.String({ maxLength: 256 })),
      sdpMLineIndex: Nullable(Type.Integer({ minimum: 0, maximum: 65_535 })),
      usernameFragment: Nullable(Type.String({ maxLength: 256 })),
    }),
  }),
});
/** LEAVE: the peer left; EXPIRE: a message for that peer was not delivered. */
const FromPeerSchema = Type.Object({ type: Type.Union([Type.Literal('LEAVE'), Type.Literal('EXPIRE')]), src: PeerId });
const ServerSchema = Type.Object({
  type: Type.Union([Type.Literal('OPEN'), Type.Literal('ID-TAKEN'), Type.Literal('INVALID-KEY')]),
});
const ErrorSchema = Type.Object({
  type: Type.Literal('ERROR'),
  payload: Type.Object({ msg: Type.String({ maxLength: 1024 }) }),
});

const frameValidators = {
  OFFER: Compile(OfferSchema),
  ANSWER: Compile(AnswerSchema),
  CANDIDATE: Compile(CandidateSchema),
  LEAVE: Compile(FromPeerSchema),
  EXPIRE: Compile(FromPeerSchema),
  OPEN: Compile(ServerSchema),
  'ID-TAKEN': Compile(ServerSchema),
  'INVALID-KEY': Compile(ServerSchema),
  ERROR: Compile(ErrorSchema),
};
const isPeerList = Compile(Type.Array(PeerId, { maxItems: 100_000 }));

type OfferFrame = Static<typeof OfferSchema>;
type SignalFrame = Static<typeof AnswerSchema> | Static<typeof CandidateSchema>;
type ServerFrame =
  | OfferFrame
  | SignalFrame
  | Static<typeof FromPeerSchema>
  | Static<typeof ServerSchema>
  | Static<typeof ErrorSchema>;

/** The frame rebuilt from its checked fields (nothing else reaches peerjs), or why it does not fit its schema. */
function checkFrame(frame: unknown): ServerFrame | string {
  const type = (frame as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(frameValidators, type)) return 'its type is not one peerjs reads';
  const validator = frameValidators[type as keyof typeof frameValidators];
  if (!validator.Check(frame)) {
    const [first] = validator.Errors(frame);
    const where = first?.instancePath ? `${first.instancePath.slice(1).replaceAll('/', '.')} ` : '';
    return `${type} ${where}${first?.message ?? 'has the wrong shape'}`;
  }
  return rebuilt(frame as ServerFrame);
}

function rebuilt(frame: ServerFrame): ServerFrame {
  switch (frame.type) {
    case 'OFFER': {
      const { type, connectionId, serialization, reliable, label, sdp } = frame.payload;
      return {
        type: frame.type,
        src: frame.src,
        payload: {
          type,
          connectionId,
          ...(serialization === undefined ? {} : { serialization }),
          ...(reliable === undefined ? {} : { reliable }),
          ...(label === undefined ? {} : { label }),
          sdp: { type: sdp.type, sdp: sdp.sdp },
        },
      };
    }
    case 'ANSWER': {
      const { type, connectionId, sdp } = frame.payload;
      return {
        type: frame.type,
        src: frame.src,
        payload: { type, connectionId, sdp: { type: sdp.type, sdp: sdp.sdp } },
      };
    }
    case 'CANDIDATE': {
      const { type, connectionId, candidate } = frame.payload;
      const { sdpMid, sdpMLineIndex, usernameFragment } = candidate;
      return {
        type: frame.type,
        src: frame.src,
        payload: {
          type,
          connectionId,
          candidate: {
            candidate: candidate.candidate,
            ...(sdpMid === undefined ? {} : { sdpMid }),
            ...(sdpMLineIndex === undefined ? {} : { sdpMLineIndex }),
            ...(usernameFragment === undefined ? {} : { usernameFragment }),
          },
        },
      };
    }
    case 'LEAVE':
    case 'EXPIRE':
      return { type: frame.type, src: frame.src };
    case 'ERROR':
      return { type: frame.type, payload: { msg: frame.payload.msg } };
    default:
      return { type: frame.type };
  }
}

type TransportEvents = { connection: [connection: MeshConnection]; error: [error: Error]; problem: [LinkProblem] };

/** A peerjs Peer behind the guard, as the MeshTransport of a MeshNode. Made before the Peer registers. */
export class GuardedPeer<P extends PeerjsPeer = PeerjsPeer> implements MeshTransport {
  private readonly internals: PeerjsInternals;
  /** peerjs's own _handleMessage, for the frames that pass. */
  private readonly handleFrame: (frame: ServerFrame) => void;
  private readonly limits: GuardLimits;
  private readonly counters = zeroLinkCounters();
  private readonly lastReportAt = new Map<LinkCounter, number>();
  private readonly candidates = new WeakMap<InternalConnection, number>();
  /** Connections this peer offered, until their one ANSWER comes. */
  private readonly awaitingAnswer = new WeakSet<InternalConnection>();
  private readonly openTimers = new Set<TimerHandle>();
  /** Connections other peers offered that have not opened yet, oldest first. */
  private readonly opening = new Set<InternalConnection>();
  private readonly listeners = new Listeners<TransportEvents>((event, error) => {
    // A problem listener that throws is only counted: reporting it would call that listener again.
    if (event === 'problem') this.counters.callbackErrors++;
    else this.report('callbackErrors', null, `A ${event} listener of the transport failed: ${describeError(error)}`);
  });

  private serverIndex: number;

  constructor(
    /** The peerjs Peer, which the guard now fronts: call it directly only to register or to test. */
    readonly peer: P,
    limits: Partial<GuardLimits> = {},
    /**
     * The signaling servers of the cluster, and which of them the peer was made for: each reconnect goes to the next
     * one, so that a peer whose server died comes back through another.
     */
    private readonly servers: readonly UrlParts[] = [],
    serverIndex = 0,
  ) {
    this.limits = { ...DEFAULT_GUARD_LIMITS, ...limits };
    this.serverIndex = serverIndex;
    const internals = peer as P & Partial<PeerjsInternals>;
    if (
      typeof internals._handleMessage !== 'function' ||
      !(internals._connections instanceof Map) ||
      typeof internals._options?.host !== 'string' ||
      typeof internals._socket?._baseUrl !== 'string'
    ) {
      throw new Error(
        'This peerjs client lacks the internals rxmesh guards (Peer._handleMessage, _connections, _options and ' +
          '_socket): install peerjs 1.5.5, the version rxmesh pins.',
      );
    }
    this.internals = internals as P & PeerjsInternals;
    this.handleFrame = internals._handleMessage.bind(peer);
    this.internals._handleMessage = (frame) => this.receive(frame);
    peer.on('error', (error) => this.listeners.emit('error', error));
  }

  get id(): string {
    return this.peer.id;
  }

  get disconnected(): boolean {
    return this.peer.disconnected;
  }

  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): void {
    this.listeners.add(event, listener);
  }

  connect(peer: string): MeshConnection | undefined {
    if (this.peer.disconnected) return undefined;
    this.prune();
    let made: unknown;
    try {
      made = this.peer.connect(peer, LINK_OPTIONS);
    } catch (error) {
      this.report('callbackErrors', peer, `peerjs failed to open a connection to ${peer}: ${describeError(error)}`);
      return undefined;
    }
    const connection = this.internals._connections.get(peer)?.find((known) => known === made);
    if (connection === undefined) return undefined;
    this.awaitingAnswer.add(connection);
    return this.track(connection, false);
  }

  /** The signaling server the peer uses now (or will at its next reconnect); undefined unless it was given servers. */
  get server(): UrlParts | undefined {
    return this.servers[this.serverIndex];
  }

  reconnect(): void {
    if (this.servers.length > 1) this.useServer((this.serverIndex + 1) % this.servers.length);
    this.peer.reconnect();
  }

  /** Points peerjs at another server of the cluster: its HTTP requests at once, its socket at the next connect. */
  private useServer(index: number): void {
    const url = this.servers[index];
    if (url === undefined) return;
    this.serverIndex = index;
    const secure = url.protocol === 'https:';
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const options = this.internals._options;
    Object.assign(options, { host: url.hostname, port, secure });
    // peerjs 1.5's socket URL, as its constructor builds it.
    this.internals._socket._baseUrl = `${secure ? 'wss://' : 'ws://'}${url.hostname}:${port}${options.path}peerjs?key=${options.key}`;
  }

  listAllPeers(callback: (ids: string[]) => void): void {
    this.peer.listAllPeers((ids) => {
      if (!isPeerList.Check(ids)) {
        this.report('badSignals', null, 'Dropped the list of peers from the signaling server: it is not a list of ids');
        return;
      }
      try {
        callback(ids);
      } catch (error) {
        this.report('callbackErrors', null, `The listener for the list of peers failed: ${describeError(error)}`);
      }
    });
  }

  linkCounters(): LinkCounters {
    return { ...this.counters };
  }

  destroy(): void {
    for (const timer of this.openTimers) platform.clearTimeout(timer);
    this.openTimers.clear();
    this.peer.destroy();
  }

  private readonly report: ReportProblem = (counter, peer, what) => {
    const total = ++this.counters[counter];
    const now = platform.performance.now();
    const last = this.lastReportAt.get(counter);
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) return;
    this.lastReportAt.set(counter, now);
    this.listeners.emit('problem', { counter, peer, message: `${what} (${counter}: ${total}).` });
  };

  private receive(raw: unknown): void {
    const frame = checkFrame(raw);
    if (typeof frame === 'string') {
      this.report('badSignals', null, `Dropped a signaling frame that is not valid: ${frame}`);
      return;
    }
    switch (frame.type) {
      case 'OFFER':
        this.offer(frame);
        return;
      case 'ANSWER':
      case 'CANDIDATE':
        this.negotiate(frame);
        return;
      case 'LEAVE':
        if ((this.internals._connections.get(frame.src)?.length ?? 0) === 0) {
          this.report('strayFrames', frame.src, `Dropped a LEAVE from ${frame.src}, which holds no connection here`);
        } else this.pass(frame);
        return;
      default:
        this.pass(frame);
    }
  }

  private offer(frame: OfferFrame): void {
    const { src, payload } = frame;
    if (payload.type !== 'data' || payload.serialization !== LINK_OPTIONS.serialization) {
      const what = `a ${payload.type} connection with ${payload.serialization ?? 'no'} serialization`;
      this.refuse(src, `${what}, where only raw data connections are taken`);
      return;
    }
    this.prune();
    let fromPeer = 0;
    let halfOpen = 0;
    let all = 0;
    for (const [peer, connections] of this.internals._connections) {
      for (const connection of connections) {
        all++;
        if (connection.open) continue;
        halfOpen++;
        if (peer === src) fromPeer++;
      }
    }
    if (fromPeer >= this.limits.halfOpenPerPeer) this.refuse(src, `${fromPeer} of its connections are opening already`);
    else if (all >= this.limits.connections) this.refuse(src, `this peer holds ${all} connections already`);
    else {
      // Full of connections still opening: the oldest goes, so that offers nobody completes cannot keep newcomers
      // out; an honest connection opens in well under a second.
      if (halfOpen >= this.limits.halfOpen) this.evictOldestOpening();
      this.pass(frame);
      const connection = this.find(src, payload.connectionId);
      if (connection !== undefined) this.listeners.emit('connection', this.track(connection, true));
    }
  }

  private evictOldestOpening(): void {
    const [oldest] = this.opening;
    if (oldest === undefined) return;
    this.opening.delete(oldest);
    oldest.close();
    this.report(
      'evictedOffers',
      oldest.peer,
      `Closed a connection ${oldest.peer} offered, still opening, to make room for a newer offer`,
    );
  }

  private refuse(src: string, why: string): void {
    this.report('refusedOffers', src, `Refused a connection offered by ${src}: ${why}`);
  }

  /** Hands an ANSWER or CANDIDATE to the connection it names, as peerjs would, and contains what that throws. */
  private negotiate(frame: SignalFrame): void {
    const { src, type } = frame;
    const connection = this.find(src, frame.payload.connectionId);
    if (connection === undefined || !connection.peerConnection) {
      this.report('strayFrames', src, `Dropped a ${type} from ${src} for a connection this peer does not hold`);
      return;
    }
    if (type === 'ANSWER' && !this.awaitingAnswer.delete(connection)) {
      this.report('strayFrames', src, `Dropped an ANSWER from ${src} for a connection that awaits none`);
      return;
    }
    if (type === 'CANDIDATE') {
      const taken = (this.candidates.get(connection) ?? 0) + 1;
      this.candidates.set(connection, taken);
      if (taken > this.limits.candidatesPerConnection) {
        const bound = this.limits.candidatesPerConnection;
        this.report(
          'refusedCandidates',
          src,
          `Dropped an ICE candidate from ${src} beyond the ${bound} of a connection`,
        );
        return;
      }
    }
    const failed = (error: unknown) => this.connectionFailed(connection, type, error);
    try {
      Promise.resolve(connection.handleMessage(frame)).catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  /** Hands a checked frame to peerjs; if that throws, closes the connection the frame is about. */
  private pass(frame: ServerFrame): void {
    try {
      this.handleFrame(frame);
    } catch (error) {
      const connection = frame.type === 'OFFER' ? this.find(frame.src, frame.payload.connectionId) : undefined;
      if (connection !== undefined) this.connectionFailed(connection, frame.type, error);
      else this.report('callbackErrors', null, `peerjs failed on a ${frame.type} frame: ${describeError(error)}`);
    }
  }

  private connectionFailed(connection: InternalConnection, type: string, error: unknown): void {
    const peer = connection.peer;
    this.report(
      'callbackErrors',
      peer,
      `Closed a connection to ${peer}: a ${type} from it failed (${describeError(error)})`,
    );
    connection.close();
  }

  private find(peer: string, connectionId: string): InternalConnection | undefined {
    return this.internals._connections.get(peer)?.find((connection) => connection.connectionId === connectionId);
  }

  /** peerjs keeps a remote's empty list of connections forever; so would a stranger's every new id. */
  private prune(): void {
    for (const [peer, connections] of this.internals._connections) {
      if (connections.length === 0) this.internals._connections.delete(peer);
    }
  }

  private track(connection: InternalConnection, offered: boolean): PeerjsLink {
    this.admitChannels(connection, offered ? 1 : 0);
    if (offered) this.closeUnlessOpened(connection);
    return new PeerjsLink(connection, this.report);
  }

  /**
   * A remote may open any number of data channels on a connection, and peerjs would take each as the connection's
   * own. The side that offered creates the one channel itself, so the other side takes `expected` (1), the offering
   * side none.
   */
  private admitChannels(connection: InternalConnection, expected: number): void {
    const peerConnection = connection.peerConnection;
    if (peerConnection === null) return;
    const deliver = peerConnection.ondatachannel;
    let left = expected;
    peerConnection.ondatachannel = (event) => {
      if (left === 0) {
        event.channel.close();
        this.report('refusedChannels', connection.peer, `Closed a second data channel ${connection.peer} opened`);
        return;
      }
      left--;
      try {
        deliver?.call(peerConnection, event);
      } catch (error) {
        this.connectionFailed(connection, 'data channel', error);
      }
    };
  }

  private closeUnlessOpened(connection: InternalConnection): void {
    this.opening.add(connection);
    const timer = platform.setTimeout(() => {
      this.openTimers.delete(timer);
      this.opening.delete(connection);
      const held = this.internals._connections.get(connection.peer)?.includes(connection) ?? false;
      if (connection.open || !held) return;
      connection.close();
      const seconds = this.limits.openTimeoutMs / 1000;
      this.report(
        'openTimeouts',
        connection.peer,
        `Closed a connection ${connection.peer} offered: not open after ${seconds} s`,
      );
    }, this.limits.openTimeoutMs);
    this.openTimers.add(timer);
    connection.on('open', () => {
      platform.clearTimeout(timer);
      this.openTimers.delete(timer);
      this.opening.delete(connection);
    });
    connection.on('close', () => this.opening.delete(connection));
  }
}
