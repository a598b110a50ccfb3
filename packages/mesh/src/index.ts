// The rxmesh peer at work: core's ClusterPeer on peerjs data channels, with its timers, miner and share hasher.

export { mineBenchmarkFor } from './benchmark-batch.js';
export { HashrateMeter } from './hashrate-meter.js';
export { fetchIceConfig, IceSupply, type IceSupplyOptions, mergeIceConfigs } from './ice-supply.js';
export type { LeaseMiner, LeaseMinerFactory } from './lease-miner.js';
export { DEFAULT_MAX_MESSAGE_BYTES, MAX_LINK_MESSAGE_BYTES } from './link-codec.js';
export { LocalSwitch, withLocalLinks } from './local-links.js';
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
export type { Progress } from './mining-driver.js';
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
