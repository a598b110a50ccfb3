// This tab's peer: the stock peerjs client, registered in a room on the signaling server the page came from. No
// ICE servers, so the tab contacts nothing but the page's origin; peers on the same host or network reach it.
import { peerjsOptions, whenRegistered } from '@rxmesh/core';
import { DEFAULT_ROOM, PEERJS_PATH } from '@rxmesh/signal/client';
import { Peer } from 'peerjs';

export interface BrowserPeerOptions {
  /** The room (cluster id); `rxmesh serve` runs its cluster in DEFAULT_ROOM. */
  room?: string;
  /** peerjs log level: 0 none (default), 1 errors, 2 warnings, 3 everything. */
  debug?: 0 | 1 | 2 | 3;
}

/**
 * Resolves with the Peer (a MeshTransport for MeshNode) once the server has said OPEN; rejects with a sentence
 * naming the room, the server and the reason otherwise.
 */
export function createBrowserPeer(options: BrowserPeerOptions = {}): Promise<Peer> {
  const signalUrl = new URL(location.origin);
  const room = options.room ?? DEFAULT_ROOM;
  const peer = new Peer(
    peerjsOptions({ signalUrl, room, path: PEERJS_PATH, iceServers: [], debug: options.debug ?? 0 }),
  );
  return whenRegistered(peer, { room, signalUrl });
}
