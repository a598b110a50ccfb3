// The WebAssembly engine, in Node (worker_threads, where librandomx is missing) and in browsers (Web Workers): one
// cache in a shared WebAssembly memory (two while the next key is prepared), in full mode the key's dataset beside
// it, a VM per mining thread, and the MiningEngine semantics of NativeEngine. The platform comes in as a WorkerStarter; everything else is the same
// code on both.
import {
  type KeyReady,
  type MineRequest,
  type MineResult,
  type MiningEngine,
  type RandomxVariant,
  requireRandomxVariant,
  sameBytes,
} from '@rxmesh/core';
import { proxy } from 'comlink';
import { OUT_OF_MEMORY } from '../heap.js';
import { CHROMIUM_TIERING_BUDGET } from '../jit/program-compiler.js';
import type { ProgressListener } from '../load.js';
import type { DatasetMode, DatasetTarget } from '../randomx-wasm.js';
import type { CacheThread, KeyBuilt } from './cache-thread.js';
import { busyError, requireMineRequest } from './engine-refusals.js';
import { MiningControl } from './mining-control.js';
import type { MiningThread, ThreadMined } from './mining-thread.js';
import { ThreadLink, type WorkerStarter } from './thread-link.js';

export interface WasmEngineOptions {
  /** Mining threads, each with a VM of 4 lanes (8.4 MiB of the shared memory). */
  threads: number;
  /** Default rx/0. */
  variant?: string;
  /**
   * Default light. Full: the first key's 2080 MiB dataset is built on the mining threads, and programs read items
   * from it. The memory holds one dataset, so prepareKey() is refused and a seed change rebuilds it in place, on
   * threads of its own, while the mining threads go on in light mode under the new key.
   */
  mode?: DatasetMode;
  /**
   * The most memory the engine may take. Below fullEngineMemoryBytes(threads), a full-mode engine finds no room for
   * its dataset and mines in light mode (fullModeLost says so).
   */
  maximumMemoryBytes?: number;
  /** How this platform starts threads: startNodeWorker (`@rxmesh/wasm/node`) or startBrowserWorker. */
  startWorker: WorkerStarter;
  /** V8's wasm tiering budget in the engine's threads (VmOptions.tieringBudget). Default: Chromium's. */
  tieringBudget?: number;
  /**
   * Hashes (hash()) computed together, on lanes, when they wait for the cache thread: 1 to 4, default 1. Above 1,
   * the cache thread reserves a VM of that many lanes (up to 8.5 MiB more) the first time several wait.
   */
  hashLanes?: number;
}

const MIB = 2 ** 20;
/** The cache (RandomX's 256 MiB of Argon2 memory, in rx/0 and rx/wow alike), the core's own data and stack, and
 * the one-lane VM that hashes single inputs. */
const SHARED_BYTES = 260 * MIB;
/** The second cache slot, reserved at the first seed change so that mining goes on while the next key builds. */
const SPARE_CACHE_BYTES = 256.1 * MIB;
/** A mining VM: 4 lanes of 2 MiB scratchpad (rx/0; rx/wow's are 1 MiB), a stack and buffers, 8.4 MiB in all. */
const MINING_VM_BYTES = 8.5 * MIB;
/** The full dataset: 34,078,719 items of 64 bytes (rx/0 and rx/wow alike). */
const DATASET_BYTES = 2080 * MIB;

/**
 * The shared memory an engine with `threads` mining threads needs to mine: one cache and the VMs. What a page checks
 * with missingFeatures({ memoryBytes }) before it starts, and what a peer reports. The engine's own measure is
 * WasmEngine.memoryBytes.
 */
export function engineMemoryBytes(threads: number): number {
  return SHARED_BYTES + threads * MINING_VM_BYTES;
}

/**
 * The most that memory grows to: engineMemoryBytes plus the second cache, taken at the first seed change so that
 * mining goes on while the next key builds, and kept from then on (WebAssembly memory never shrinks). Where it
 * cannot grow that far, the engine stops and re-keys within engineMemoryBytes instead.
 */
export function engineMemoryPeakBytes(threads: number): number {
  return engineMemoryBytes(threads) + SPARE_CACHE_BYTES;
}

/** The shared memory a full-mode engine holds: engineMemoryBytes and the dataset. It has no second cache. */
export function fullEngineMemoryBytes(threads: number): number {
  return engineMemoryBytes(threads) + DATASET_BYTES;
}

/** A dataset rebuilt behind mining after a seed change, and its items written so far. */
interface DatasetRebuild {
  readonly builders: ThreadLink<MiningThread>[];
  done: number;
  readonly total: number;
  /** Ends the build where it is; settled then resolves without the dataset taken into use. */
  readonly cancel: () => void;
  settled: Promise<void>;
}

/**
 * Light-mode RandomX in WebAssembly on `threads` mining threads that share one cache, plus a cache thread that
 * builds each key's cache and hashes single inputs, so the engine's own thread stays free throughout. Mining
 * threads start with the first key and live until release().
 */
export class WasmEngine implements MiningEngine {
  private currentKey: Uint8Array | undefined;
  private miners: ThreadLink<MiningThread>[] = [];
  private readonly control = new MiningControl();
  private settingKey = false;
  /** A prepareKey() runs. */
  private preparing = false;
  /** The key prepareKey() built, ready for setKey() to switch to. */
  private prepared: { key: Uint8Array; cacheInitMs: number } | undefined;
  private mining = false;
  private hashesPending = 0;
  /** Hashes waiting for the cache thread, and whether a batch of them is there. */
  private readonly hashQueue: { input: Uint8Array; resolve(hash: Uint8Array): void; reject(error: unknown): void }[] =
    [];
  private hashing = false;
  private released = false;
  /** Full mode: where the dataset is, once reserved. */
  private dataset: DatasetTarget | undefined;
  /** Full mode: the VMs read the current key's dataset. */
  private datasetInUse = false;
  private rebuild: DatasetRebuild | undefined;
  private fullModeLostBecause: string | undefined;

  private constructor(
    private readonly cacheThread: ThreadLink<CacheThread>,
    /** Dropped by release(), with the dataset's target, so that nothing here holds the memory any more. */
    private memory: WebAssembly.Memory | undefined,
    private readonly startWorker: WorkerStarter,
    readonly threads: number,
    readonly variant: RandomxVariant,
    readonly mode: DatasetMode,
    private readonly hashLanes: number,
  ) {}

  static async create(options: WasmEngineOptions): Promise<WasmEngine> {
    const {
      threads,
      variant: variantName = 'rx/0',
      startWorker,
      tieringBudget = CHROMIUM_TIERING_BUDGET,
      hashLanes = 1,
      mode = 'light',
      maximumMemoryBytes,
    } = options;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${threads}.`);
    }
    if (!Number.isInteger(hashLanes) || hashLanes < 1 || hashLanes > 4) {
      throw new RangeError(`hashLanes must be 1 to 4, got ${hashLanes}.`);
    }
    const variant = requireRandomxVariant(variantName);
    const cacheThread = new ThreadLink<CacheThread>(startWorker('cache', 'WebAssembly cache thread'));
    try {
      const memory = await cacheThread.call((thread) =>
        thread.open({ variant, mode, maximumMemoryBytes, miningVms: threads, hashLanes, tieringBudget }),
      );
      return new WasmEngine(cacheThread, memory, startWorker, threads, variant, mode, hashLanes);
    } catch (error) {
      cacheThread.terminate();
      throw error;
    }
  }

  /**
   * Why a full-mode engine mines in light mode, as a sentence for the person at the machine: its memory could not
   * grow by the dataset. Undefined while full mode holds, and in light mode.
   */
  get fullModeLost(): string | undefined {
    return this.fullModeLostBecause;
  }

  /** Whether programs read a built dataset (full mode) rather than compute items from the cache. */
  get readsDataset(): boolean {
    return this.datasetInUse;
  }

  /**
   * Full mode after a seed change: how far the new key's dataset is rebuilt, in items, while mining goes on in
   * light mode. Undefined when no rebuild runs.
   */
  get datasetRebuild(): { done: number; total: number } | undefined {
    const { rebuild } = this;
    return rebuild === undefined ? undefined : { done: rebuild.done, total: rebuild.total };
  }

  /** The key whose cache the engine holds, or undefined. */
  get key(): Uint8Array | undefined {
    return this.currentKey?.slice();
  }

  /** Bytes of the shared WebAssembly memory: the cache, every VM once the first key is set, and the second cache
   * from the first prepareKey() on (WebAssembly memory never shrinks; the two caches take turns). */
  get memoryBytes(): number {
    return this.memory?.buffer.byteLength ?? 0;
  }

  /** The share of time each mining thread works, in (0, 1]; 1 (the default) is full speed. */
  get throttle(): number {
    return this.control.duty;
  }

  /**
   * Sets the share of time each mining thread works, like BOINC's CPU-usage limit: after each chunk, a thread rests
   * (1 - duty) / duty times as long as the chunk took. Takes effect from each thread's next chunk, within a batch
   * too; stop() ends a rest at once.
   */
  setThrottle(duty: number): void {
    this.control.duty = duty;
  }

  /**
   * Makes `key` the engine's key and points every VM at its cache. A key prepareKey() built is a switch of a few
   * milliseconds (the mining threads recompile nothing but their program runners); any other key is built in
   * the cache thread in place of the current one, and `onProgress` reports Argon2 blocks done. In full mode the
   * first key's dataset is then built on the mining threads, a slice each, and `onProgress` reports its items
   * instead; for every later key, setKey answers once the cache is built, the VMs hash in light mode, and the
   * dataset is rebuilt behind them (datasetRebuild) until they read it again (readsDataset). Refused while mining,
   * hashing or preparing a key.
   */
  async setKey(key: Uint8Array, onProgress?: ProgressListener): Promise<KeyReady> {
    this.requireUnreleased();
    if (this.settingKey || this.preparing || this.mining || this.hashesPending > 0) {
      throw busyError('setKey');
    }
    const prepared = this.prepared !== undefined && sameBytes(this.prepared.key, key) ? this.prepared : undefined;
    this.settingKey = true;
    this.currentKey = undefined;
    this.prepared = undefined;
    try {
      // The old key's items stay unwritten from here on; the cache is about to change under them.
      await this.cancelRebuild();
      this.datasetInUse = false;
      let built: KeyBuilt;
      let cacheInitMs: number;
      const full = this.mode === 'full' && this.fullModeLostBecause === undefined;
      if (prepared !== undefined) {
        built = await this.cacheThread.call((thread) => thread.usePreparedKey(key));
        cacheInitMs = prepared.cacheInitMs;
      } else {
        // A function of our own to mark for Comlink, not the caller's.
        const progress =
          onProgress && !full ? proxy((done: number, total: number) => onProgress(done, total)) : undefined;
        ({ cacheInitMs, ...built } = await this.cacheThread.call((thread) => thread.setKey(key, progress)));
      }
      await this.followCache(built);
      let datasetInitMs: number | null = null;
      if (full) {
        // The first key's dataset is built on the mining threads; later ones behind light-mode mining.
        if (this.dataset === undefined) datasetInitMs = await this.buildDataset(onProgress);
        else this.rebuildDataset(this.dataset.items);
      }
      this.currentKey = key.slice();
      return { cacheInitMs, datasetInitMs };
    } finally {
      this.settingKey = false;
    }
  }

  /**
   * Builds the cache for `key` in the cache thread's spare slot while the mining threads go on under the current
   * key; setKey(key) then switches. The first call grows the shared memory by a second cache (256 MiB), which it
   * keeps; it rejects when the memory cannot grow, and the engine goes on under its current key.
   */
  async prepareKey(key: Uint8Array, onProgress?: ProgressListener): Promise<KeyReady> {
    this.requireUnreleased();
    if (this.settingKey || this.preparing) throw busyError('prepareKey');
    this.preparing = true;
    this.prepared = undefined;
    try {
      const progress = onProgress && proxy((done: number, total: number) => onProgress(done, total));
      const { cacheInitMs } = await this.cacheThread.call((thread) => thread.prepareKey(key, progress));
      this.prepared = { key: key.slice(), cacheInitMs };
      return { cacheInitMs, datasetInitMs: null };
    } finally {
      this.preparing = false;
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
      const parts = this.miners.map((miner) =>
        miner.call((thread) => thread.mine({ blob, firstNonce, count, target })),
      );
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

  /**
   * One hash under the current key, in the cache thread; mining goes on meanwhile. Hashes asked for while others
   * are in the cache thread wait, and go there up to `hashLanes` at a time, hashed together.
   */
  async hash(input: Uint8Array): Promise<Uint8Array> {
    this.requireKey();
    this.hashesPending++;
    try {
      return await new Promise<Uint8Array>((resolve, reject) => {
        this.hashQueue.push({ input, resolve, reject });
        this.hashNext();
      });
    } finally {
      this.hashesPending--;
    }
  }

  private hashNext(): void {
    if (this.hashing || this.hashQueue.length === 0) return;
    const batch = this.hashQueue.splice(0, this.hashLanes);
    this.hashing = true;
    this.cacheThread
      .call((thread) => thread.hashEach(batch.map(({ input }) => input)))
      .then(
        (hashes) => {
          for (const [i, { resolve }] of batch.entries()) resolve(hashes[i] as Uint8Array);
        },
        (error: unknown) => {
          for (const { reject } of batch) reject(error);
        },
      )
      .finally(() => {
        this.hashing = false;
        this.hashNext();
      });
  }

  /** Ends every thread; the engine cannot be used afterwards. Refused while mining, hashing or building a key. */
  release(): void {
    if (this.released) return;
    if (this.settingKey || this.preparing || this.mining || this.hashesPending > 0) {
      throw busyError('release');
    }
    this.released = true;
    this.currentKey = undefined;
    this.prepared = undefined;
    this.rebuild?.cancel();
    for (const thread of [this.cacheThread, ...this.miners, ...(this.rebuild?.builders ?? [])]) thread.terminate();
    this.memory = undefined;
    this.dataset = undefined;
    this.datasetInUse = false;
  }

  /**
   * Full mode: the mining threads build the current key's dataset, a slice each, then every VM reads its items.
   * Answers the milliseconds it took.
   */
  private async buildDataset(onProgress: ProgressListener | undefined): Promise<number | null> {
    const begin = performance.now();
    let target: DatasetTarget;
    try {
      target = await this.cacheThread.call((thread) => thread.datasetTarget());
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith(OUT_OF_MEMORY))) throw error;
      this.fullModeLostBecause =
        `Full mode needs ${Math.round(DATASET_BYTES / MIB)} MiB more memory for its dataset, and this device ` +
        'would not give it: mining goes on in light mode, at the usual speed.';
      return null;
    }
    this.dataset = target;
    await this.buildSlices(this.miners, target, (done) => onProgress?.(done, target.items));
    await this.useDataset();
    return performance.now() - begin;
  }

  /**
   * Full mode, after a seed change: as many threads as mine, started for the purpose, rebuild the dataset for the
   * new key in place while the VMs hash in light mode; the VMs read it once every item is written. The build
   * shares the cores with mining, and follows the throttle too.
   */
  private rebuildDataset(items: number): void {
    const builders = this.miners.map(
      () => new ThreadLink<MiningThread>(this.startWorker('mining', 'WebAssembly dataset thread')),
    );
    let cancel = () => {};
    const cancelled = new Promise<'cancelled'>((resolve) => {
      cancel = () => resolve('cancelled');
    });
    const rebuild: DatasetRebuild = { builders, done: 0, total: items, cancel, settled: Promise.resolve() };
    const build = async () => {
      const target = await this.cacheThread.call((thread) => thread.datasetTarget());
      const written = this.buildSlices(builders, target, (done) => {
        rebuild.done = done;
      });
      // Once cancelled, a builder's end is nobody's concern.
      written.catch(() => undefined);
      if ((await Promise.race([written, cancelled])) === 'cancelled') return;
      await this.useDataset();
    };
    rebuild.settled = build()
      .catch((error: unknown) => {
        if (this.released) return;
        const reason = error instanceof Error ? error.message : String(error);
        this.fullModeLostBecause =
          `Rebuilding the dataset for the new key failed (${reason}); mining goes on in light mode, at the usual ` +
          'speed.';
      })
      .finally(() => {
        for (const builder of builders) builder.terminate();
        if (this.rebuild === rebuild) this.rebuild = undefined;
      });
    this.rebuild = rebuild;
  }

  /** Ends a dataset rebuild, if one runs, and waits until its threads are gone. */
  private async cancelRebuild(): Promise<void> {
    const { rebuild } = this;
    if (rebuild === undefined) return;
    rebuild.cancel();
    await rebuild.settled;
  }

  /** Each of `threads` writes one slice of the dataset; `onProgress` hears the items written by all of them. */
  private async buildSlices(
    threads: ThreadLink<MiningThread>[],
    target: DatasetTarget,
    onProgress: (done: number) => void,
  ): Promise<void> {
    const done = threads.map(() => 0);
    const slices = threads.map((thread, index) => {
      const first = Math.floor((target.items * index) / threads.length);
      const count = Math.floor((target.items * (index + 1)) / threads.length) - first;
      const progress = proxy((items: number) => {
        done[index] = items;
        onProgress(done.reduce((sum, part) => sum + part, 0));
      });
      const { buffer } = this.control;
      return thread.call((remote) => remote.buildDataset(target, first, count, progress, buffer));
    });
    await Promise.all(slices);
  }

  /** Every item is written: the cache thread's VMs and the mining ones read them from now on. */
  private async useDataset(): Promise<void> {
    await this.followCache(await this.cacheThread.call((thread) => thread.datasetBuilt()));
    this.datasetInUse = true;
  }

  /** Full mode: dataset item `itemNumber` as the engine built it, for inspection and checkpoint tests. */
  datasetItem(itemNumber: number): Uint8Array {
    const { dataset, memory } = this;
    if (dataset === undefined || memory === undefined || this.currentKey === undefined)
      throw new Error('No dataset is built; setKey() in full mode first.');
    if (!Number.isInteger(itemNumber) || itemNumber < 0 || itemNumber >= dataset.items) {
      throw new RangeError(`Dataset items are 0 to ${dataset.items - 1}, got ${itemNumber}.`);
    }
    return new Uint8Array(memory.buffer, dataset.dataset + 64 * itemNumber, 64).slice();
  }

  /** The first key starts the mining threads; later keys only give them the new cache. */
  private async followCache({ cache, miningVms }: KeyBuilt): Promise<void> {
    if (this.miners.length > 0) {
      await Promise.all(this.miners.map((miner) => miner.call((thread) => thread.useCache(cache))));
      return;
    }
    const starting = miningVms.map((vm) => {
      const miner = new ThreadLink<MiningThread>(this.startWorker('mining', 'WebAssembly mining thread'));
      return { miner, attached: miner.call((thread) => thread.attach(vm, this.control.buffer)) };
    });
    const outcomes = await Promise.allSettled(starting.map(({ attached }) => attached));
    const miners = starting.map(({ miner }) => miner);
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure !== undefined) {
      for (const miner of miners) miner.terminate();
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
