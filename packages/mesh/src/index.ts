// The rxmesh peer at work: core's ClusterPeer on peerjs data channels, with its timers, miner and share hasher.

export { fetchIceConfig, IceSupply, type IceSupplyOptions, mergeIceConfigs } from './ice-supply.js';
export { DEFAULT_MAX_MESSAGE_BYTES, MAX_LINK_MESSAGE_BYTES } from './link-codec.js';
export type { Log, LogFields } from './log.js';
export {
  type BlockView,
  type DurableLedger,
  type JobView,
  type KeyInitView,
  type MemberView,
  MeshNode,
  type MeshNodeOptions,
  type MeshRole,
  type MeshSnapshot,
  type ShareHasher,
} from './mesh-node.js';
export { DEFAULT_GUARD_LIMITS, GuardedPeer, type GuardLimits, type PeerjsPeer } from './peerjs-guard.js';
export { isPublicAddress, type ProbeConnection, probeReach, reachFromCandidates } from './reach-probe.js';
export {
  type LinkCounter,
  type LinkCounters,
  type LinkProblem,
  type MeshConnection,
  type MeshTransport,
  peerjsOptions,
  type RegisteringPeer,
  type SignalingTarget,
  setIceServers,
  type UrlParts,
  whenRegistered,
  zeroLinkCounters,
} from './transport.js';
