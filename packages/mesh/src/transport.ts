// What a mesh node needs of the network, as structural types: links that carry messages (MeshConnection) and this
// peer's registration with the signaling server (MeshTransport). peerjs-guard.ts implements them over the stock
// peerjs client, in Node (apps/host, over @roamhq/wrtc) and in browsers (apps/web), while core depends on neither
// peerjs nor WebRTC. Also the steps every peerjs client of an rxmesh signaling server shares: its options and the
// wait for the server's OPEN, with one sentence for every way that fails.

import type { IceServer, LinkPath } from '@rxmesh/core';

/** One link to another peer, carrying messages (JSON values): a peerjs data connection behind the guard. */
export interface MeshConnection {
  /** The id of the peer at the other end. */
  readonly peer: string;
  /**
   * The largest message this link takes from the other end, in bytes of JSON text: 64 KiB unless raised. Raise it
   * on the receiving end of a link that carries more from a trusted peer (a standby's link to its coordinator, for
   * replicated state), up to 12 MiB; other values throw a RangeError. A link sends messages of up to 12 MiB.
   */
  maxMessageBytes: number;
  on(event: 'open', listener: () => void): void;
  /** Once, after 'open', when the link ends from either side; never from inside a call to this link. */
  on(event: 'close', listener: () => void): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  /**
   * Hands `message` to the channel, in fragments when it is long, and says whether it did. A send that fails is
   * counted (sendFailures), reported as a problem, and closes the link, so the cluster hears linkDown.
   */
  send(message: unknown): boolean;
  close(): void;
  /**
   * How the link's packets go, once open: between the peers' own addresses, through an address a router mapped
   * (STUN), or relayed by TURN; null when WebRTC does not say.
   */
  path(): Promise<LinkPath | null>;
}

/** This peer's registration with the signaling server (a guarded peerjs `Peer`), once the server has said OPEN. */
export interface MeshTransport {
  readonly id: string;
  /** True while the signaling socket is down; links stay up meanwhile. */
  readonly disconnected: boolean;
  /** A link another peer opened to this one. */
  on(event: 'connection', listener: (connection: MeshConnection) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  /** Something a remote peer did, or a send that failed: worth a log line. At most one per counter every 10 s. */
  on(event: 'problem', listener: (problem: LinkProblem) => void): void;
  /** Opens a link to `peer`; undefined while cut off from the signaling server. */
  connect(peer: string): MeshConnection | undefined;
  /** The signaling server a reconnect goes to, when the transport knows it. */
  readonly server?: UrlParts | undefined;
  reconnect(): void;
  listAllPeers(callback: (ids: string[]) => void): void;
  /** What the guard and the links have counted since this transport was made. */
  linkCounters(): LinkCounters;
  destroy(): void;
}

/** Every bound on what the network hands a peer, counted each time it holds. */
export interface LinkCounters {
  /** Signaling frames that do not fit their schema, dropped before peerjs sees them. */
  badSignals: number;
  /** Offers dropped: not a raw data connection, or over the bounds on connections not yet open or in all. */
  refusedOffers: number;
  /** Offered connections still opening that were closed to make room for a newer offer, past the bound on them. */
  evictedOffers: number;
  /** ANSWER, CANDIDATE and LEAVE frames for a connection or peer this peer does not know, dropped. */
  strayFrames: number;
  /** ICE candidates beyond the bound for one connection, dropped. */
  refusedCandidates: number;
  /** Data channels beyond the one a connection negotiates, closed. */
  refusedChannels: number;
  /** Offered connections closed because they did not open in time. */
  openTimeouts: number;
  /** Frames on a link that no rxmesh peer sends (binary, not JSON, fragments out of order); each closed its link. */
  badFrames: number;
  /** Messages over their link's bound, received; each closed its link. */
  oversizedMessages: number;
  /** Sends not handed to the channel (link closed, message over the bound, too much unread, an exception). */
  sendFailures: number;
  /** Exceptions from peerjs, WebRTC or a listener while handling a frame or an event; each closed its connection. */
  callbackErrors: number;
}

export type LinkCounter = keyof LinkCounters;

export function zeroLinkCounters(): LinkCounters {
  return {
    badSignals: 0,
    refusedOffers: 0,
    evictedOffers: 0,
    strayFrames: 0,
    refusedCandidates: 0,
    refusedChannels: 0,
    openTimeouts: 0,
    badFrames: 0,
    oversizedMessages: 0,
    sendFailures: 0,
    callbackErrors: 0,
  };
}

export interface LinkProblem {
  counter: LinkCounter;
  /** The remote peer concerned, when there is one. */
  peer: string | null;
  /** One sentence, ending with the counter's total. */
  message: string;
}

/** The parts of a WHATWG `URL` used here (core's typings have no `URL`; Node's and browsers' satisfy this). */
export interface UrlParts {
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
}

export interface SignalingTarget {
  /** The signaling server, e.g. new URL('http://127.0.0.1:8080') (https for TLS). */
  signalUrl: UrlParts;
  /** The room (cluster id), which is the PeerJS key. */
  room: string;
  /** The server's PeerJS path (`PEERJS_PATH` of @rxmesh/signal). */
  path: string;
  /**
   * STUN/TURN servers: what the signaling server's /api/ice names. None unless given, so peers reach each other
   * only on the same host or network and nothing is contacted but the signaling server (peerjs's own default is
   * Google STUN and the PeerJS TURN service).
   */
  iceServers?: IceServer[];
  /** peerjs log level: 0 none (default), 1 errors, 2 warnings, 3 everything. */
  debug?: 0 | 1 | 2 | 3;
  /** The token that holds this peer's id on the server; peerjs makes a random one unless given. */
  token?: string;
}

/** The options of `new Peer(...)` for a room on an rxmesh signaling server. */
export function peerjsOptions(target: SignalingTarget) {
  const { signalUrl } = target;
  if (signalUrl.protocol !== 'http:' && signalUrl.protocol !== 'https:') {
    throw new Error(`The signal URL must start with http:// or https://, got ${signalUrl.href}.`);
  }
  const secure = signalUrl.protocol === 'https:';
  return {
    host: signalUrl.hostname,
    port: signalUrl.port === '' ? (secure ? 443 : 80) : Number(signalUrl.port),
    path: target.path,
    key: target.room,
    // Given explicitly: peerjs would otherwise read `location`, which Node lacks.
    secure,
    config: { iceServers: target.iceServers ?? [] },
    debug: target.debug ?? 0,
    ...(target.token === undefined ? {} : { token: target.token }),
  };
}

/**
 * The ICE servers links opened from now on use: peerjs hands the `config` of its options (see peerjsOptions) to each
 * new RTCPeerConnection, so renewed TURN credentials take effect without a new registration.
 */
export function setIceServers(peer: { readonly options: { config?: unknown } }, iceServers: IceServer[]): void {
  (peer.options.config as { iceServers: IceServer[] }).iceServers = iceServers;
}

/** peerjs's `Peer` before the server's OPEN; its errors carry a `type` such as `unavailable-id`. */
export interface RegisteringPeer {
  once(event: 'open', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error & { type: string }) => void): unknown;
  off(event: 'open', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error & { type: string }) => void): unknown;
  destroy(): void;
}

/** Why joining `room` at `signalUrl` failed, as one sentence. */
function joinFailure(room: string, signalUrl: string, error: Error & { type: string }): string {
  const reason = error.message.trim() === '' ? 'no answer' : error.message;
  return `Could not join room "${room}" at ${signalUrl}: ${reason} (${error.type}).`;
}

/**
 * Resolves with `peer` once the signaling server has answered OPEN; on an error first, destroys it and rejects
 * with the joinFailure() sentence.
 */
export function whenRegistered<P extends RegisteringPeer>(
  peer: P,
  where: Pick<SignalingTarget, 'room' | 'signalUrl'>,
): Promise<P> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error & { type: string }) => {
      peer.off('open', onOpen);
      peer.destroy();
      reject(new Error(joinFailure(where.room, where.signalUrl.origin, error)));
    };
    const onOpen = () => {
      peer.off('error', onError);
      resolve(peer);
    };
    peer.once('open', onOpen);
    peer.once('error', onError);
  });
}
