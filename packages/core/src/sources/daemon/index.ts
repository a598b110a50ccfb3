// The monerod job source's sans-IO parts: the block template codec, the JSON-RPC replies, the session that turns
// templates into jobs and answers into verdicts, and the ZMQ subscriber.
export {
  type BlockTemplate,
  blockId,
  hashingBlob,
  type MinerTransaction,
  minerTxHash,
  parseBlockTemplate,
  withExtraNonce,
} from './block-template.js';
export {
  type DaemonMethod,
  type DaemonResults,
  decodeRpcReply,
  type GetBlockHeaderResult,
  type GetBlockTemplateResult,
  type GetInfoResult,
  jsonRpcRequest,
  type RpcReply,
  type SubmitBlockResult,
  templateDifficulty,
} from './rpc.js';
export {
  type BlockAnswer,
  type BlockPlan,
  type BlockSubmission,
  type DaemonRequest,
  DaemonSession,
  type DaemonSessionOptions,
  EXTRA_NONCE_BYTES,
  INSTANCE_NONCE_BYTES,
  RECENT_JOBS,
  type TemplateReading,
  type TipReading,
} from './session.js';
export { treeHash } from './tree-hash.js';
export { readSmallVarint, readVarint, writeVarint } from './varint.js';
export { type AddressKind, type MoneroNetwork, parseWalletAddress, type WalletAddress } from './wallet-address.js';
export { CHAIN_MAIN_TOPIC, MAX_FRAME_BYTES, type ZmtpOutput, ZmtpSubscriber } from './zmtp.js';
