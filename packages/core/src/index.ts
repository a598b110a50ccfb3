export { isRandomxVariant, RANDOMX_VARIANTS, type RandomxVariant, requireRandomxVariant } from './algorithm.js';
export { BENCHMARK_KEY_TEXT, benchmarkBlob } from './benchmark.js';
export { MIN_BLOB_LENGTH, NONCE_OFFSET, readNonce, withNonce } from './blob.js';
export {
  Coordinator,
  type CoordinatorNotice,
  type CoordinatorSettings,
  DEFAULT_COORDINATOR_SETTINGS,
  type MemberView,
} from './cluster/coordinator.js';
export type { ClusterKeys } from './cluster/envelopes.js';
export { RIG_NONCE_BLOCK } from './cluster/lease-book.js';
export { REPLACED_LEASES_KEPT } from './cluster/lease-work.js';
export {
  type AccountChange,
  changedAccount,
  describeStoredLedger,
  foldLedger,
  isEmptyLedgerBatch,
  type LedgerBatch,
  type LedgerEntry,
  type LedgerRecords,
  type StoredAccount,
  type StoredLedger,
  storedLedgerOf,
  type TotalsChange,
} from './cluster/ledger.js';
export {
  ClusterPeer,
  type ClusterPeerOptions,
  DEFAULT_PEER_SETTINGS,
  type JobSourceMode,
  type OperatorCommand,
  type PeerAction,
  type PeerEvent,
  type PeerNotice,
  type PeerSettings,
} from './cluster/peer.js';
export { maxLinksFor } from './cluster/placement.js';
export {
  type ClusterTotals,
  decodeMessage,
  type Lease,
  LINK_REACH,
  type LinkPath,
  type LinkPaths,
  LinkPathsSchema,
  type LinkReach,
  type Message,
  type PeerInfo,
  PROTOCOL_VERSION,
  type ReplicaEntry,
  ROLES,
  type Role,
  SHARE_REJECTIONS,
  type ShareRejection,
  type WireBlock,
} from './cluster/wire.js';
export { bytesToHex, hexToBytes, sameBytes } from './hex.js';
export {
  type IceConfig,
  IceConfigSchema,
  type IceServer,
  IceServerSchema,
  iceServerHost,
  parseIceServer,
} from './ice-contract.js';
export {
  type Credential,
  type CredentialPayload,
  CredentialSchema,
  checkCredential,
  checkSignalingToken,
  contributorIdOf,
  type Identity,
  identityFromSecret,
  idOfPublicKey,
  issueCredential,
  KEY_BYTES,
  KEY_ID_PATTERN,
  nobleEd25519,
  publicKeyOfId,
  readCredential,
  SIGNALING_TOKEN_PATTERN,
  SIGNATURE_BYTES,
  type SignatureScheme,
  signalingToken,
} from './identity/index.js';
export { DEMO_BLOB_LENGTH, DemoChain, GENESIS_SEED } from './jobs/demo-chain.js';
export { type BlockRecord, JOB_SOURCE_KINDS, type Job, type JobSourceKind } from './jobs/job.js';
export type { Finder, JobSource, SourceStatus, SourceVerdict } from './jobs/job-source.js';
export {
  type JoinInfo,
  JoinInfoSchema,
  type JoinThreads,
  JoinThreadsSchema,
  type JoinUrl,
  JoinUrlSchema,
  MAX_OPERATOR_LENGTH,
  type ServerCertificate,
  ServerCertificateSchema,
} from './join-contract.js';
export type { KeyReady, MineRequest, MineResult, MiningEngine, Share } from './mining.js';
export { RIG_ERRORS, type RigError, type RigJobParams } from './rigs/rig-messages.js';
export {
  KNOWN_RIG_JOBS,
  type RigJob,
  type RigLogin,
  type RigOutput,
  RigSession,
  type RigSessionOptions,
  type RigShare,
} from './rigs/rig-session.js';
export {
  INTERNET_NAT,
  type NatModel,
  SimCluster,
  type SimOptions,
  type SimReport,
  THOUSAND_PEERS,
} from './simulation/cluster-sim.js';
export { BACKOFF_JITTER, type Backoff, backoffDelay, formatDelay } from './sources/backoff.js';
export {
  type BlockAnswer,
  type BlockSubmission,
  type BlockTemplate,
  blockId,
  CHAIN_MAIN_TOPIC,
  type DaemonMethod,
  type DaemonRequest,
  type DaemonResults,
  DaemonSession,
  type DaemonSessionOptions,
  decodeRpcReply,
  hashingBlob,
  INSTANCE_NONCE_BYTES,
  jsonRpcRequest,
  parseBlockTemplate,
  parseWalletAddress,
  templateDifficulty,
  type WalletAddress,
  withExtraNonce,
  ZmtpSubscriber,
} from './sources/daemon/index.js';
export {
  difficultyForTarget,
  encodeNonce,
  LineSplitter,
  MAX_LINE_LENGTH,
  type SessionEvent,
  StratumSession,
  type StratumSessionOptions,
} from './sources/stratum/index.js';
export {
  type ClusterBlock,
  ClusterBlockSchema,
  type ClusterJob,
  ClusterJobSchema,
  type ClusterMember,
  ClusterMemberSchema,
  type ClusterMembersPage,
  ClusterMembersPageSchema,
  type ClusterSource,
  ClusterSourceSchema,
  type ClusterStats,
  type ClusterStatsAnswer,
  ClusterStatsAnswerSchema,
  clusterStatsAnswerSchema,
  DEFAULT_MEMBER_LIMIT,
  MAX_BLOCKS,
  MAX_PAGE_LIMIT,
  type StatsView,
} from './stats-contract.js';
export {
  formatStratumTarget,
  meetsDifficulty,
  meetsShareTarget,
  parseStratumTarget,
  readUintLE,
  targetForDifficulty,
} from './target.js';
