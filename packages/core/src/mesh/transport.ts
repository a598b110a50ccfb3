// The parts of the stock peerjs client a mesh node uses, as structural types: peerjs's `Peer` and
// `DataConnection` satisfy them in Node (apps/host, over @roamhq/wrtc) and in browsers (apps/web), while core
// depends on neither peerjs nor WebRTC. Also the steps every peerjs client of an rxmesh signaling server shares:
// its options and the wait for the server's OPEN, with one sentence for every way that fails.

/** A data connection to one other peer (peerjs `DataConnection`, opened with JSON serialization). */
export interface MeshConnection {
  /** The id of the peer at the other end. */
  readonly peer: string;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'data', listener: (data: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  send(data: unknown): unknown;
  close(): void;
}

/** This peer's registration with the signaling server (peerjs `Peer`), once the server has said OPEN. */
export interface MeshTransport {
  readonly id: string;
  /** True while the signaling socket is down; data connections stay up meanwhile. */
  readonly disconnected: boolean;
  on(event: 'connection', listener: (connection: MeshConnection) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** peerjs returns nothing while it is cut off from the signaling server. */
  connect(peer: string, options: { reliable: boolean; serialization: 'json' }): MeshConnection | undefined;
  reconnect(): void;
  listAllPeers(callback: (ids: string[]) => void): void;
  destroy(): void;
}

/** An ICE server as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
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
   * STUN/TURN servers. None unless given, so peers reach each other only on the same host or network and nothing
   * is contacted but the signaling server (peerjs's own default is Google STUN and the PeerJS TURN service).
   */
  iceServers?: IceServer[];
  /** peerjs log level: 0 none (default), 1 errors, 2 warnings, 3 everything. */
  debug?: 0 | 1 | 2 | 3;
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
  };
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
