// What a tab needs to join its page's cluster, made at Start: a fresh Ed25519 key for this session (its id in the
// cluster; the key never leaves the tab), the cluster key the page's own server answers with (only gateways that
// key authorized may coordinate this tab), the STUN and TURN servers it names (with TURN credentials renewed before
// they expire), the tab's peer, registered with a token the key signed, and the contributor id this browser keeps.
import {
  type ClusterKeys,
  identityFromSecret,
  KEY_ID_PATTERN,
  type LinkReach,
  nobleEd25519,
  signalingToken,
} from '@rxmesh/core';
import {
  fetchIceConfig,
  IceSupply,
  type MeshTransport,
  type ProbeConnection,
  probeReach,
  setIceServers,
} from '@rxmesh/mesh';
import { ROOM_PATTERN } from '@rxmesh/signal/client';
import { loadContributorId } from '../storage/contributor.js';
import { openStore } from '../storage/key-value.js';
import { createBrowserPeer } from './browser-peer.js';

export interface PageJoin {
  transport: MeshTransport;
  keys: ClusterKeys;
  /** How other peers reach this tab, from the candidates it gathers with the server's STUN and TURN servers. */
  reach: LinkReach;
  /** Whom the cluster's ledger credits: the same id at every Start in this browser. */
  contributor: string;
}

const CLUSTER_URL = '/api/cluster';
const KEY_ID = new RegExp(KEY_ID_PATTERN);
const ROOM = new RegExp(ROOM_PATTERN);

/** The cluster key and room of the page's server (GET /api/cluster); a sentence when it has none. */
export async function fetchClusterKey(): Promise<{ key: string; room: string }> {
  const response = await fetch(CLUSTER_URL, { cache: 'no-store' });
  const body: unknown = await response.json().catch(() => undefined);
  const { key, room } = typeof body === 'object' && body !== null ? (body as { key?: unknown; room?: unknown }) : {};
  if (!response.ok || typeof key !== 'string' || !KEY_ID.test(key) || typeof room !== 'string' || !ROOM.test(room)) {
    throw new Error(
      `This server did not say which cluster it runs (${CLUSTER_URL} answered ${response.status}), so this tab ` +
        'cannot tell its gateways from strangers. Tell the cluster’s operator.',
    );
  }
  return { key, room };
}

export async function joinFromPage(): Promise<PageJoin> {
  const { key: cluster, room } = await fetchClusterKey();
  const identity = identityFromSecret(nobleEd25519, crypto.getRandomValues(new Uint8Array(32)));
  const token = signalingToken(nobleEd25519, identity, room, Date.now(), crypto.getRandomValues(new Uint8Array(6)));
  let peer: Awaited<ReturnType<typeof createBrowserPeer>> | undefined;
  const { supply, iceServers } = await IceSupply.open({
    load: () => fetchIceConfig(location.origin),
    onChange: (servers) => {
      if (peer !== undefined) setIceServers(peer.peer, servers);
    },
    warn: (message) => console.warn(message),
  });
  peer = await createBrowserPeer({ id: identity.id, room, token, iceServers }).catch((error: unknown) => {
    supply.stop();
    throw error;
  });
  peer.peer.on('close', () => supply.stop());
  const transport: MeshTransport = peer;
  const reach = await probeReach((config) => new RTCPeerConnection(config) as unknown as ProbeConnection, iceServers);
  const contributor = await loadContributorId(openStore());
  return { transport, keys: { scheme: nobleEd25519, identity, cluster, credential: null }, reach, contributor };
}
