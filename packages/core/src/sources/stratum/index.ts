// The Monero Stratum dialect (xmrig, xmrig-proxy, p2pool) for a pool job source, sans-IO.
export { LineSplitter, MAX_LINE_LENGTH, type SplitResult } from './line-splitter.js';
export {
  type LoginResult,
  MAX_BLOB_BYTES,
  MAX_POOL_JOB_ID_LENGTH,
  type PoolJob,
  PoolJobSchema,
} from './messages.js';
export {
  type ConvertedJob,
  convertPoolJob,
  difficultyForTarget,
  isNicehashJob,
  type JobContext,
  MIN_POOL_DIFFICULTY,
  nonceRangeFor,
} from './pool-job.js';
export { encodeNonce, encodeResult, keepaliveRequest, loginRequest, submitRequest } from './requests.js';
export {
  KNOWN_JOBS,
  MAX_CONNECTION_ID_LENGTH,
  type SessionEvent,
  StratumSession,
  type StratumSessionOptions,
  type SubmitPlan,
} from './session.js';
