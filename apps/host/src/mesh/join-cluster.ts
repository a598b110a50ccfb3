// `rxmesh host` and `rxmesh serve` join a cluster the same way: the stock peerjs client in Node registers with the
// signaling server, and a MeshNode runs the cluster peer on it.
import { MeshNode, type MeshNodeOptions } from '@rxmesh/core';
import { createNodePeer } from './node-peer.js';

export interface JoinOptions extends Omit<MeshNodeOptions, 'transport'> {
  signalUrl: URL;
  room: string;
}

export async function joinCluster(options: JoinOptions): Promise<MeshNode> {
  const { signalUrl, room, ...node } = options;
  const transport = await createNodePeer({ signalUrl: signalUrl.toString(), room });
  node.log.info(`joined room "${room}" as ${transport.id}`, { peer: transport.id });
  return MeshNode.start({ ...node, transport });
}
