export { isRandomxVariant, RANDOMX_VARIANTS, type RandomxVariant } from './algorithm.js';
export { BENCHMARK_KEY_TEXT, benchmarkBlob } from './benchmark.js';
export { MIN_BLOB_LENGTH, NONCE_OFFSET, readNonce, withNonce } from './blob.js';
export { bytesToHex, hexToBytes } from './hex.js';
export type { KeyReady, MineRequest, MineResult, MiningEngine, Share } from './mining.js';
export { meetsDifficulty, meetsShareTarget, parseStratumTarget, readUintLE, targetForDifficulty } from './target.js';
