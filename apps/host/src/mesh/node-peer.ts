// The stock `peerjs` client in Node. peerjs reads WebRTC and WebSocket from globals, and probes for
// RTCPeerConnection when its module loads, so the globals it needs are installed (only where missing) before
// peerjs is first imported: RTCPeerConnection, RTCSessionDescription and RTCIceCandidate from @roamhq/wrtc, and
// WebSocket from ws (Node 20 has none). Everything else it touches (fetch, URL, Blob, TextEncoder, the streams)
// Node has.
import { createRequire } from 'node:module';
import wrtc from '@roamhq/wrtc';
import { PEERJS_PATH } from '@rxmesh/signal';
import type { Peer, PeerError } from 'peerjs';
import { WebSocket } from 'ws';

export type { DataConnection, Peer } from 'peerjs';

/** An ICE server as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface NodePeerOptions {
  /** The signaling server, e.g. http://127.0.0.1:8080 (https for TLS). */
  signalUrl: string;
  /** The room (cluster id), which is the PeerJS key. */
  room: string;
  /** The peer id to claim; without it, the server assigns one. */
  id?: string;
  /**
   * STUN/TURN servers. None by default, so peers reach each other only on the same host or network and nothing
   * is contacted but the signaling server (peerjs's own default is Google STUN and the PeerJS TURN service).
   */
  iceServers?: IceServer[];
  /** peerjs log level: 0 none (default), 1 errors, 2 warnings, 3 everything. */
  debug?: 0 | 1 | 2 | 3;
}

type Peerjs = typeof import('peerjs');
let peerjsModule: Peerjs | undefined;

function loadPeerjs(): Peerjs {
  if (peerjsModule === undefined) {
    const scope = globalThis as Record<string, unknown>;
    scope.RTCPeerConnection ??= wrtc.RTCPeerConnection;
    scope.RTCSessionDescription ??= wrtc.RTCSessionDescription;
    scope.RTCIceCandidate ??= wrtc.RTCIceCandidate;
    scope.WebSocket ??= WebSocket;
    // require() rather than import(): peerjs is CommonJS, and its named exports reach ESM only through `default`,
    // which test runners unwrap differently.
    peerjsModule = createRequire(import.meta.url)('peerjs') as Peerjs;
  }
  return peerjsModule;
}

/** Joins `room` on the signaling server and resolves once the server has answered OPEN. */
export async function createNodePeer(options: NodePeerOptions): Promise<Peer> {
  const { Peer: PeerClass } = loadPeerjs();
  const url = new URL(options.signalUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The signal URL must start with http:// or https://, got ${options.signalUrl}.`);
  }
  const secure = url.protocol === 'https:';
  const peerOptions = {
    host: url.hostname,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    path: PEERJS_PATH,
    key: options.room,
    // Given explicitly: peerjs would otherwise read `location`, which Node lacks.
    secure,
    config: { iceServers: options.iceServers ?? [] },
    debug: options.debug ?? 0,
  };
  const peer = options.id === undefined ? new PeerClass(peerOptions) : new PeerClass(options.id, peerOptions);
  return new Promise((resolve, reject) => {
    const onError = (error: PeerError<string>) => {
      peer.off('open', onOpen);
      peer.destroy();
      reject(
        new Error(
          `Could not join room "${options.room}" at ${options.signalUrl}: ` +
            `${error.message.trim() === '' ? 'no answer' : error.message} (${error.type}).`,
        ),
      );
    };
    const onOpen = () => {
      peer.off('error', onError);
      resolve(peer);
    };
    peer.once('open', onOpen);
    peer.once('error', onError);
  });
}
