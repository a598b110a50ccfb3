// The stock `peerjs` client in Node, behind core's guard (GuardedPeer). peerjs reads WebRTC and WebSocket from
// globals, and probes for RTCPeerConnection when its module loads, so the globals it needs are installed (only where
// missing) before peerjs is first imported: RTCPeerConnection, RTCSessionDescription and RTCIceCandidate from
// @roamhq/wrtc, and WebSocket from ws (Node 20 has none). Everything else it touches (fetch, URL, Blob, TextEncoder,
// the streams) Node has.
import { createRequire } from 'node:module';
import wrtc from '@roamhq/wrtc';
import type { IceServer, LinkReach } from '@rxmesh/core';
import {
  GuardedPeer,
  type GuardLimits,
  type ProbeConnection,
  peerjsOptions,
  probeReach,
  whenRegistered,
} from '@rxmesh/mesh';
import { PEERJS_PATH } from '@rxmesh/signal';
import type { Peer } from 'peerjs';
import { WebSocket } from 'ws';

export type { Peer } from 'peerjs';

export interface NodePeerOptions {
  /** The signaling server, e.g. http://127.0.0.1:8080 (https for TLS). */
  signalUrl: string;
  /**
   * Other signaling servers of the same cluster: tried in turn when signalUrl cannot be reached at the start, and
   * one after another on every reconnect.
   */
  otherServers?: string[];
  /** The room (cluster id), which is the PeerJS key. */
  room: string;
  /** The peer id to claim; without it, the server assigns one. */
  id?: string;
  /** The token that holds the id (for a key id, a signaling token signed by the key); random unless given. */
  token?: string;
  /** STUN/TURN servers; none by default (see SignalingTarget.iceServers in @rxmesh/mesh); see setIceServers in @rxmesh/mesh. */
  iceServers?: IceServer[];
  /** Behind a 1:1 NAT: the public address offered beside each address of this machine (see publicAddressTwin). */
  publicAddress?: string;
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

/**
 * For a host candidate of this machine (IPv4, UDP or TCP), the same port at `address` as a server-reflexive
 * candidate: what a STUN server would have answered behind a 1:1 NAT, which maps every port to the same one.
 * Undefined for any other candidate.
 */
export function publicAddressTwin(candidate: string, address: string): string | undefined {
  const match = /^candidate:(\S+) (\d+) (\S+) (\d+) (\d{1,3}(?:\.\d{1,3}){3}) (\d+) typ host(.*)$/.exec(candidate);
  if (match === null) return undefined;
  const [, foundation, component, transport, priority, ip, port, rest] = match;
  if (ip === address) return undefined;
  // RFC 8445's type preference for server-reflexive candidates (100, against 126 for host) in the top byte.
  const reflexive = ((100 << 24) | (Number(priority) & 0xffffff)) >>> 0;
  return `candidate:${foundation}1 ${component} ${transport} ${reflexive} ${address} ${port} typ srflx raddr ${ip} rport ${port}${rest}`;
}

let offeredPublicAddress: string | undefined;

/** An icecandidate event as wrtc dispatches it; other events pass through. */
interface CandidateEvent {
  type: string;
  candidate?: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null;
}

/** wrtc's RTCPeerConnection, offering the --public-address twin of each host candidate after it. */
class NodePeerConnection extends wrtc.RTCPeerConnection {
  constructor(...args: ConstructorParameters<typeof wrtc.RTCPeerConnection>) {
    super(...args);
    // wrtc hands every event to dispatchEvent, which calls onicecandidate: the twin follows the original there.
    const target = this as unknown as { dispatchEvent(event: CandidateEvent): boolean };
    const dispatch = target.dispatchEvent.bind(this);
    Object.assign(this, {
      dispatchEvent: (event: CandidateEvent): boolean => {
        const delivered = dispatch(event);
        const { candidate } = event;
        if (event.type !== 'icecandidate' || offeredPublicAddress === undefined || !candidate) return delivered;
        const twin = publicAddressTwin(candidate.candidate, offeredPublicAddress);
        if (twin !== undefined) {
          const init = { candidate: twin, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
          dispatch({ type: 'icecandidate', candidate: new wrtc.RTCIceCandidate(init) });
        }
        return delivered;
      },
    });
  }
}

type Peerjs = typeof import('peerjs');
let peerjsModule: Peerjs | undefined;

function loadPeerjs(): Peerjs {
  if (peerjsModule === undefined) {
    const scope = globalThis as Record<string, unknown>;
    scope.RTCPeerConnection ??= NodePeerConnection;
    scope.RTCSessionDescription ??= wrtc.RTCSessionDescription;
    scope.RTCIceCandidate ??= wrtc.RTCIceCandidate;
    scope.WebSocket ??= SignalingSocket;
    // require() rather than import(): peerjs is CommonJS, and its named exports reach ESM only through `default`,
    // which test runners unwrap differently.
    peerjsModule = createRequire(import.meta.url)('peerjs') as Peerjs;
  }
  return peerjsModule;
}

/**
 * Joins `room` on the first signaling server that lets it register, and resolves with the guarded peer once that
 * server has answered OPEN; rejects with the last server's refusal when none does.
 */
export async function createNodePeer(options: NodePeerOptions): Promise<GuardedPeer<Peer>> {
  const { Peer: PeerClass } = loadPeerjs();
  offeredPublicAddress = options.publicAddress;
  const servers = [options.signalUrl, ...(options.otherServers ?? [])].map((url) => new URL(url));
  let refusal: unknown;
  for (const [index, signalUrl] of servers.entries()) {
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
    const guarded = new GuardedPeer(peer, options.limits, servers, index);
    try {
      await whenRegistered(peer, { room: options.room, signalUrl });
      return guarded;
    } catch (error) {
      refusal = error;
    }
  }
  throw refusal;
}

/** How other peers reach this machine, from the candidates WebRTC gathers here with `iceServers`. */
export function probeNodeReach(iceServers: IceServer[], publicAddress: string | undefined): Promise<LinkReach> {
  // A 1:1 NAT lets every port through to this machine: the operator's word is all there is to find out.
  if (publicAddress !== undefined) return Promise.resolve('public');
  return probeReach((config) => new wrtc.RTCPeerConnection(config) as unknown as ProbeConnection, iceServers);
}
