// The WebAssembly engine for Node peers, used where librandomx is missing: light mode, one cache in a shared
// WebAssembly memory, a VM per mining thread (worker_threads), and the MiningEngine semantics of NativeEngine.
import {
  isRandomxVariant,
  type KeyReady,
  MIN_BLOB_LENGTH,
  type MineRequest,
  type MineResult,
  type MiningEngine,
  RANDOMX_VARIANTS,
  type RandomxVariant,
} from '@rxmesh/core';
import type { ProgressListener, VmHandle } from '@rxmesh/wasm';
import { WASM_TIERING_BUDGET } from '../v8-tuning.js';
import type { CacheCalls, CacheWorkerData, KeyBuilt } from './cache-worker.js';
import { MiningControl } from './mining-control.js';
import type { MiningCalls, MiningWorkerData, ThreadMined } from './mining-worker.js';
import { WorkerThread } from './worker-thread.js';

export interface WasmEngineOptions {
  /** Mining threads, each with a VM of 4 lanes (8.3 MiB of the shared memory). */
  threads: number;
  /** Default rx/0. */
  variant?: string;
}

const BUSY = 'The engine is busy: stop mining and wait for pending work before';

function requireMineRequest({ blob, firstNonce, count, target }: MineRequest): void {
  if (blob.length < MIN_BLOB_LENGTH) throw new RangeError(`A hashing blob has at least ${MIN_BLOB_LENGTH} bytes.`);
  const uint32 = (value: number) => Number.isInteger(value) && value >= 0 && value < 2 ** 32;
  if (!uint32(firstNonce) || !uint32(count)) throw new RangeError('firstNonce and count must be uint32 integers.');
  // Checked here for the whole range: each thread sees only its chunks, and the last ones would fail mid-batch.
  if (firstNonce + count > 2 ** 32) throw new RangeError('The nonce range must stay within uint32.');
  if (typeof target !== 'bigint') throw new TypeError('target must be a bigint.');
  if (target < 0n || target >= 2n ** 64n) throw new RangeError('The share target is a uint64.');
}

/**
 * Light-mode RandomX in WebAssembly on `threads` worker threads that share one cache, plus a cache thread that
 * builds each key's cache and hashes single inputs, so the event loop stays free throughout. Threads start with
 * the first key and live until release().
 */
export class WasmEngine implements MiningEngine {
  readonly mode = 'light';
  private currentKey: Uint8Array | undefined;
  private miners: WorkerThread<MiningCalls>[] = [];
  private readonly control = new MiningControl();
  private settingKey = false;
  private mining = false;
  private hashesPending = 0;
  private released = false;

  private constructor(
    private readonly cacheThread: WorkerThread<CacheCalls>,
    private readonly memory: VmHandle['memory'],
    readonly threads: number,
    readonly variant: RandomxVariant,
  ) {}

  static async create(options: WasmEngineOptions): Promise<WasmEngine> {
    const { threads, variant = 'rx/0' } = options;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${threads}.`);
    }
    if (!isRandomxVariant(variant)) {
      throw new RangeError(
        `Unknown RandomX variant ${JSON.stringify(variant)}; use one of ${RANDOMX_VARIANTS.join(', ')}.`,
      );
    }
    const data: CacheWorkerData = { variant, miningVms: threads, tieringBudget: WASM_TIERING_BUDGET };
    const script = new URL('./cache-worker.js', import.meta.url);
    const { thread, ready } = await WorkerThread.start<CacheCalls, VmHandle['memory']>(
      script,
      data,
      'WebAssembly cache thread',
    );
    return new WasmEngine(thread, ready, threads, variant);
  }

  /** The key whose cache the engine holds, or undefined. */
  get key(): Uint8Array | undefined {
    return this.currentKey?.slice();
  }

  /** Bytes of the shared WebAssembly memory: the cache, and every VM once the first key is set. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Builds the cache for `key` in the cache thread, in place of the previous key's, and points every VM at it.
   * `onProgress` reports Argon2 blocks done. Refused while mining or hashing.
   */
  async setKey(key: Uint8Array, onProgress?: ProgressListener): Promise<KeyReady> {
    this.requireUnreleased();
    if (this.settingKey || this.mining || this.hashesPending > 0) throw new Error(`${BUSY} setKey().`);
    this.settingKey = true;
    this.currentKey = undefined;
    try {
      const built = await this.cacheThread.request('setKey', key, onProgress);
      await this.followCache(built);
      this.currentKey = key.slice();
      return { cacheInitMs: built.cacheInitMs, datasetInitMs: null };
    } finally {
      this.settingKey = false;
    }
  }

  /** Hashes the range on all mining threads; stop() cuts it short after the chunks in flight. */
  async mine(request: MineRequest): Promise<MineResult> {
    this.requireKey();
    if (this.mining) throw new Error('This engine is already mining; stop() it or wait for the batch.');
    requireMineRequest(request);
    const { blob, firstNonce, count, target } = request;
    this.mining = true;
    this.control.reset();
    try {
      const parts = this.miners.map((miner) => miner.request('mine', { blob, firstNonce, count, target }));
      let mined: ThreadMined[];
      try {
        mined = await Promise.all(parts);
      } catch (error) {
        // The other threads would go on through the whole range.
        this.control.requestStop();
        await Promise.allSettled(parts);
        throw error;
      }
      const hashes = mined.reduce((sum, part) => sum + part.hashes, 0);
      const shares = mined.flatMap((part) => part.shares).sort((a, b) => a.nonce - b.nonce);
      return { hashes, shares, stoppedEarly: hashes < count };
    } finally {
      this.mining = false;
    }
  }

  stop(): void {
    this.control.requestStop();
  }

  /** One hash under the current key, in the cache thread; mining goes on meanwhile. */
  async hash(input: Uint8Array): Promise<Uint8Array> {
    this.requireKey();
    this.hashesPending++;
    try {
      return await this.cacheThread.request('hash', input);
    } finally {
      this.hashesPending--;
    }
  }

  /** Ends every thread; the engine cannot be used afterwards. Refused while mining or hashing. */
  release(): void {
    if (this.released) return;
    if (this.settingKey || this.mining || this.hashesPending > 0) throw new Error(`${BUSY} release().`);
    this.released = true;
    this.currentKey = undefined;
    for (const thread of [this.cacheThread, ...this.miners]) void thread.terminate();
  }

  /** The first key starts the mining threads; later keys only give them the new compiled cache. */
  private async followCache({ compiledCache, miningVms }: KeyBuilt): Promise<void> {
    if (this.miners.length > 0) {
      await Promise.all(this.miners.map((miner) => miner.request('useCache', compiledCache)));
      return;
    }
    const script = new URL('./mining-worker.js', import.meta.url);
    const starting = miningVms.map((vm) => {
      const data: MiningWorkerData = { vm, control: this.control.buffer };
      return WorkerThread.start<MiningCalls>(script, data, 'WebAssembly mining thread');
    });
    const started = await Promise.allSettled(starting);
    const miners = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.thread] : []));
    const failure = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure !== undefined) {
      for (const miner of miners) void miner.terminate();
      throw failure.reason;
    }
    this.miners = miners;
  }

  private requireUnreleased(): void {
    if (this.released) throw new Error('This engine was released; create a new one.');
  }

  private requireKey(): void {
    this.requireUnreleased();
    if (this.settingKey) throw new Error('The engine is changing its key; wait for setKey() to settle.');
    if (this.currentKey === undefined) throw new Error('Call setKey(key) first.');
  }
}
