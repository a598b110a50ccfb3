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

/** What a key change reports once the engine can hash under the new key. */
export interface KeyReady {
  cacheInitMs: number;
  /** Null in light mode. */
  datasetInitMs: number | null;
}

/**
 * A miner that hashes one range across all its threads: native librandomx (packages/native) and the WebAssembly
 * engine on Node worker threads (apps/host). Hashed nonces are always a prefix of the range, so a range cut short
 * by stop() can be handed on without gaps.
 */
export interface MiningEngine {
  readonly mode: 'light' | 'full';
  /**
   * Whether hashes read a built dataset right now, where that can differ from `mode`: a full-mode engine that fell
   * back to light mode, or one that hashes in light mode while it rebuilds its dataset. Engines whose way of
   * hashing is always their mode leave it out.
   */
  readonly readsDataset?: boolean;
  readonly threads: number;
  /** The key the engine hashes under, or undefined before the first setKey() completes. */
  readonly key: Uint8Array | undefined;
  /**
   * Makes `key` the engine's key. When `key` is the one prepareKey() built, this only switches to it and frees the
   * previous key's memory (milliseconds); otherwise it frees the previous key first and builds the cache (and
   * dataset) for `key`, and `onProgress` reports the slow step. Refused while mining or hashing.
   */
  setKey(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady>;
  /**
   * Builds the cache (and dataset) for `key` in a spare slot while mine() and hash() go on under the current key,
   * so a seed change costs no mining time; setKey(key) then switches. One key is prepared at a time: a second
   * prepareKey() while one builds is refused, and a finished one replaces the last prepared key. A prepared key
   * nobody switches to stays until the next key change or release(), so an engine holds at most two keys.
   * Rejects when there is no room for a second key (a host short of memory for a second dataset, a browser whose
   * memory cannot grow); the caller then stops and calls setKey(), which replaces the key in place.
   * Engines without it are always re-keyed that way.
   */
  prepareKey?(key: Uint8Array, onProgress?: (done: number, total: number) => void): Promise<KeyReady>;
  mine(request: MineRequest): Promise<MineResult>;
  /** Cuts the running mine() short after the hashes in flight. */
  stop(): void;
  /** One hash under the current key, off the event loop. */
  hash(input: Uint8Array): Promise<Uint8Array>;
  release(): void;
}
