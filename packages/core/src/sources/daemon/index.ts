// The monerod job source's sans-IO parts: the block template codec and the JSON-RPC replies.
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
export { treeHash } from './tree-hash.js';
export { readSmallVarint, readVarint, writeVarint } from './varint.js';
export { CHAIN_MAIN_TOPIC, MAX_FRAME_BYTES, type ZmtpOutput, ZmtpSubscriber } from './zmtp.js';
