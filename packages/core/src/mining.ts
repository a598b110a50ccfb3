// The batch mining interface every engine offers (packages/wasm in a worker, packages/native on native threads):
// hash a blob over a nonce range inside the engine, and report the hashes that meet a share target.

export interface MineRequest {
  /** The hashing blob; the nonce goes in as uint32 LE at offset 39. */
  blob: Uint8Array;
  firstNonce: number;
  count: number;
  /** A share is a hash whose bytes 24..31, read as uint64 LE, are below this. */
  target: bigint;
}

export interface Share {
  nonce: number;
  hash: Uint8Array;
}

export interface MineResult {
  /** Nonces firstNonce .. firstNonce + hashes - 1 were hashed. */
  hashes: number;
  /** In nonce order. */
  shares: Share[];
  /** True when the loop ended before `count` hashes: a stop request, or (WebAssembly) a full share buffer. */
  stoppedEarly: boolean;
}
