// The stock `peerjs` client in Node, behind core's guard (GuardedPeer). peerjs reads WebRTC and WebSocket from
// globals, and probes for RTCPeerConnection when its module loads, so the globals it needs are installed (only where
// missing) before peerjs is first imported: RTCPeerConnection, RTCSessionDescription and RTCIceCandidate from
// @roamhq/wrtc, and WebSocket from ws (Node 20 has none). Everything else it touches (fetch, URL, Blob, TextEncoder,
// the streams) Node has.
import { createRequire } from 'node:module';
import wrtc from '@roamhq/wrtc';
import { GuardedPeer, type GuardLimits, type IceServer, peerjsOptions, whenRegistered } from '@rxmesh/mesh';
import { PEERJS_PATH } from '@rxmesh/signal';
import type { Peer } from 'peerjs';
import { WebSocket } from 'ws';

export type { Peer } from 'peerjs';

export interface NodePeerOptions {
  /** The signaling server, e.g. http://127.0.0.1:8080 (https for TLS). */
  signalUrl: string;
  /** The room (cluster id), which is the PeerJS key. */
  room: string;
  /** The peer id to claim; without it, the server assigns one. */
  id?: string;
  /** The token that holds the id (for a key id, a signaling token signed by the key); random unless given. */
  token?: string;
  /** STUN/TURN servers; none by default (see SignalingTarget.iceServers in @rxmesh/core). */
  iceServers?: IceServer[];
  /** peerjs log level: 0 none (default), 1 errors, 2 warnings, 3 everything. */
  debug?: 0 | 1 | 2 | 3;
  /** The guard's bounds, DEFAULT_GUARD_LIMITS unless given. */
  limits?: Partial<GuardLimits>;
}

/**
 * ws's WebSocket for peerjs. peerjs sets no error handler on its socket, and ws emits a failed connection (the
 * server down, or restarting) as an 'error' event, which with no listener throws and ends the process. The 'close'
 * that follows every such error is what peerjs acts on, so the error itself is only swallowed here.
 */
class SignalingSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => {});
  }
}

type Peerjs = typeof import('peerjs');
let peerjsModule: Peerjs | undefined;

function loadPeerjs(): Peerjs {
  if (peerjsModule === undefined) {
    const scope = globalThis as Record<string, unknown>;
    scope.RTCPeerConnection ??= wrtc.RTCPeerConnection;
    scope.RTCSessionDescription ??= wrtc.RTCSessionDescription;
    scope.RTCIceCandidate ??= wrtc.RTCIceCandidate;
    scope.WebSocket ??= SignalingSocket;
    // require() rather than import(): peerjs is CommonJS, and its named exports reach ESM only through `default`,
    // which test runners unwrap differently.
    peerjsModule = createRequire(import.meta.url)('peerjs') as Peerjs;
  }
  return peerjsModule;
}

/** Joins `room` on the signaling server and resolves with the guarded peer once the server has answered OPEN. */
export async function createNodePeer(options: NodePeerOptions): Promise<GuardedPeer<Peer>> {
  const { Peer: PeerClass } = loadPeerjs();
  const signalUrl = new URL(options.signalUrl);
  const peerOptions = peerjsOptions({
    signalUrl,
    room: options.room,
    path: PEERJS_PATH,
    ...(options.iceServers === undefined ? {} : { iceServers: options.iceServers }),
    ...(options.debug === undefined ? {} : { debug: options.debug }),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const peer = options.id === undefined ? new PeerClass(peerOptions) : new PeerClass(options.id, peerOptions);
  // Guarded before the server's OPEN, which may come with frames queued for this id.
  const guarded = new GuardedPeer(peer, options.limits);
  await whenRegistered(peer, { room: options.room, signalUrl });
  return guarded;
}
