// This tab's peer: the stock peerjs client behind core's guard (GuardedPeer), registered in a room on the signaling
// server the page came from, with the STUN and TURN servers that server names (none unless it names some, and then
// the tab contacts nothing but the page's origin; peers on the same host or network reach it).
import type { IceServer } from '@rxmesh/core';
import { GuardedPeer, peerjsOptions, whenRegistered } from '@rxmesh/mesh';
import { DEFAULT_ROOM, PEERJS_PATH } from '@rxmesh/signal/client';
import { Peer } from 'peerjs';

export interface BrowserPeerOptions {
  /** The room (cluster id): the one /api/cluster names. Default DEFAULT_ROOM. */
  room?: string;
  /** The peer id to claim; without it, the server assigns one. */
  id?: string;
  /** The token that holds the id (for a key id, a signaling token signed by the key); random unless given. */
  token?: string;
  /** peerjs log level: 0 none (default), 1 errors, 2 warnings, 3 everything. */
  debug?: 0 | 1 | 2 | 3;
  /** What the page's server answered at /api/ice; see setIceServers in @rxmesh/mesh. */
  iceServers?: IceServer[];
}

/**
 * Resolves with the guarded Peer (a MeshTransport for MeshNode) once the server has said OPEN; rejects with a
 * sentence naming the room, the server and the reason otherwise.
 */
export async function createBrowserPeer(options: BrowserPeerOptions = {}): Promise<GuardedPeer<Peer>> {
  const signalUrl = new URL(location.origin);
  const room = options.room ?? DEFAULT_ROOM;
  const peerOptions = peerjsOptions({
    signalUrl,
    room,
    path: PEERJS_PATH,
    iceServers: options.iceServers ?? [],
    debug: options.debug ?? 0,
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const peer = options.id === undefined ? new Peer(peerOptions) : new Peer(options.id, peerOptions);
  // Guarded before the server's OPEN, which may come with frames queued for this id.
  const guarded = new GuardedPeer(peer);
  await whenRegistered(peer, { room, signalUrl });
  return guarded;
}
