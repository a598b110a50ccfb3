// `rxmesh host` and `rxmesh serve` join a cluster the same way: the stock peerjs client in Node registers this
// peer's key id with the signaling server (its token signed by the key), a gateway announces itself so that joiners
// find it, and a MeshNode runs the cluster peer on it.
import { randomBytes } from 'node:crypto';
import { type Credential, signalingToken } from '@rxmesh/core';
import {
  fetchIceConfig,
  IceSupply,
  type LocalSwitch,
  MeshNode,
  type MeshNodeOptions,
  mergeIceConfigs,
  setIceServers,
  withLocalLinks,
} from '@rxmesh/mesh';
import { type IceOptions, iceConfigFor, PEERJS_PATH } from '@rxmesh/signal';
import { createNodePeer, probeNodeReach } from './node-peer.js';

export interface JoinOptions extends Omit<MeshNodeOptions, 'transport'> {
  /** The cluster's signaling servers, tried in this order; a reconnect goes to the next. */
  signalUrls: readonly [URL, ...URL[]];
  room: string;
  /** This peer's own STUN and TURN servers (--ice-server, --turn-secret); none unless given. */
  ice?: IceOptions;
  /** Whether to add the servers the signaling server names at /api/ice (not for its own gateway); false unless given. */
  askServerForIce?: boolean;
  /** Behind a 1:1 NAT: the address to offer beside this machine's own. */
  publicAddress?: string;
  /** Peers in this process that link to this one there (the rigs of its Stratum server). */
  localSwitch?: LocalSwitch;
}

/** Signaling forgets its gateways when it restarts: a gateway announces itself again this often. */
const ANNOUNCE_EVERY_MS = 30_000;

/** The cluster key and room the server at `signalUrl` answers with (GET /api/cluster). */
export async function fetchClusterKey(signalUrl: URL): Promise<{ key: string; room: string }> {
  const url = new URL('/api/cluster', signalUrl);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(`Could not reach ${url.origin}: ${(error as Error).message}.`);
  }
  const body = (await response.json().catch(() => ({}))) as { key?: unknown; room?: unknown; message?: unknown };
  if (!response.ok || typeof body.key !== 'string' || typeof body.room !== 'string') {
    const why = typeof body.message === 'string' ? body.message : `it answered ${response.status}`;
    throw new Error(`${url.origin} did not say its cluster key: ${why}.`);
  }
  return { key: body.key, room: body.room };
}

/** Tells signaling that this gateway may be asked the way in (POST /peerjs/{room}/gateways). */
async function announceGateway(
  origin: string,
  room: string,
  id: string,
  credential: Credential,
): Promise<string | null> {
  try {
    const response = await fetch(new URL(`${PEERJS_PATH}/${room}/gateways`, origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, credential }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return null;
    const body = (await response.json().catch(() => ({}))) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : `the server answered ${response.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function joinCluster(options: JoinOptions): Promise<MeshNode> {
  const {
    signalUrls,
    room,
    ice = { servers: [] },
    askServerForIce = false,
    publicAddress,
    localSwitch,
    ...node
  } = options;
  const [firstServer, ...otherServers] = signalUrls;
  const { identity, credential } = node.keys;
  const token = signalingToken(node.keys.scheme, identity, room, Date.now(), randomBytes(6));
  let transport: Awaited<ReturnType<typeof createNodePeer>> | undefined;
  const { supply, iceServers } = await IceSupply.open({
    load: async () => {
      const own = iceConfigFor(ice, Date.now());
      const server = transport?.server ?? firstServer;
      return askServerForIce ? mergeIceConfigs(own, await fetchIceConfig(server.origin)) : own;
    },
    onChange: (servers) => {
      if (transport !== undefined) setIceServers(transport.peer, servers);
    },
    warn: (message) => node.log.warn(message),
  });
  transport = await createNodePeer({
    signalUrl: firstServer.toString(),
    otherServers: otherServers.map((url) => url.toString()),
    room,
    id: identity.id,
    token,
    iceServers,
    ...(publicAddress === undefined ? {} : { publicAddress }),
  }).catch((error: unknown) => {
    supply.stop();
    throw error;
  });
  transport.peer.on('close', () => supply.stop());
  if (iceServers.length > 0) {
    node.log.info(`ICE servers: ${iceServers.flatMap((server) => server.urls).join(', ')}`);
  }
  node.log.info(`joined room "${room}" on ${(transport.server ?? firstServer).origin} as ${identity.id}`, {
    peer: identity.id,
  });
  const reach = await probeNodeReach(iceServers, publicAddress);
  const links = localSwitch === undefined ? transport : withLocalLinks(transport, localSwitch);
  const mesh = MeshNode.start({ ...node, info: { ...node.info, reach }, transport: links });
  if (credential !== null) {
    let lastProblem: string | null = null;
    const announce = async () => {
      const problem = await announceGateway((transport.server ?? firstServer).origin, room, identity.id, credential);
      if (problem !== null && problem !== lastProblem) {
        node.log.warn(`Signaling does not list this gateway, so joiners cannot find it: ${problem}`);
      }
      lastProblem = problem;
    };
    await announce();
    // After a reconnect, and now and then in case signaling restarted and forgot it; until the node stops.
    transport.peer.on('open', () => void announce());
    const timer = setInterval(() => {
      if (transport.peer.destroyed) clearInterval(timer);
      else void announce();
    }, ANNOUNCE_EVERY_MS).unref();
  }
  return mesh;
}
