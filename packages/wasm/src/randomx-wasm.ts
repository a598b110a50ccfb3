// The TypeScript API over the C core: one cache per key in a memory, and VMs that hold a handle to it: in any thread
// when the memory is shared, in the owner's thread when it is not.
import {
  type MineRequest,
  type MineResult,
  RANDOMX_VARIANTS,
  type RandomxVariant,
  requireRandomxVariant,
  type Share,
  sameBytes,
} from '@rxmesh/core';
import { bytesOf, MemoryHeap } from './heap.js';

import { compileDatasetReader } from './jit/dataset-reader.js';
import { relaxedMaddIsFused } from './jit/features.js';
import { CHROMIUM_TIERING_BUDGET } from './jit/program-compiler.js';
import { createProgramRunner, type RunPrograms } from './jit/program-runner.js';
import { BUILD_EXPORT, type BuildItems, compileSuperscalar } from './jit/superscalar-compiler.js';
import {
  type CoreBuild,
  type CoreInstance,
  compileCore,
  createMemory,
  FULL_MEMORY_BYTES,
  instantiateCore,
  LIGHT_MEMORY_BYTES,
  MAXIMUM_MEMORY_PAGES,
  type ProgressListener,
} from './load.js';

/** Each instance runs on its own stack in the memory. */
const INSTANCE_STACK_BYTES = 256 * 1024;
/** Inputs stream through this buffer, so any length can be hashed. */
const IO_BUFFER_BYTES = 64 * 1024;
/** Shares found by one mine() call before it returns early to report them. */
const MAX_SHARES_PER_BATCH = 64;
const INITIAL_MEMORY_BYTES = 2 * 1024 * 1024;
/** The owner's buffer holds keys and inspection results. Keys are 32-byte seed hashes in practice; anything up
 * to this size is hashed exactly as librandomx does. */
const MAX_KEY_BYTES = 64 * 1024;
/** Dataset items a build writes between progress reports: 2 MiB. */
const BUILD_CHUNK_ITEMS = 32768;
/**
 * Nonces a VM hashes in lockstep by default. Each lane costs a scratchpad (2 MiB for rx/0); in return the lanes'
 * dataset items are computed together and their cache misses overlap (see jit/superscalar-compiler.ts).
 */
const DEFAULT_LANES = 4;

/** Everything a VM needs; over a shared memory, it can be posted to a Worker or worker_threads. */
export interface VmHandle {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Whether `memory` is shared between threads; the modules compiled for the VM import it as it is. */
  readonly sharedMemory: boolean;
  readonly variant: RandomxVariant;
  /** The rx_cache struct of the key the VM hashes under (the interpreter reads dataset items through it). */
  readonly cache: number;
  readonly stackTop: number;
  readonly vm: number;
  /** The lanes' scratchpads, one after another. */
  readonly scratchpads: number;
  /** Nonces mine() hashes at a time, and inputs hashEach() takes; hash() uses the first lane. */
  readonly lanes: number;
  /** 64 bytes per lane: the dataset items of the current iteration. */
  readonly items: number;
  /** Full mode: the address of the key's dataset, which programs read items from; light mode computes them. */
  readonly dataset: number | undefined;
  readonly io: number;
  readonly shares: number;
  /** An Int32: non-zero asks mine() to return after the hash in progress. */
  readonly stopFlag: number;
  readonly shareCount: number;
  /** The key's SuperscalarHash compiled to WebAssembly; every thread instantiates the same module. */
  readonly superscalar: WebAssembly.Module;
  /** Programs run compiled to WebAssembly (the mining path), or on the C interpreter (the tests' oracle). */
  readonly compiled: boolean;
  readonly fusedMultiplyAdd: boolean;
  readonly tieringBudget: number;
  readonly iterations: number;
  readonly scratchpadBytes: number;
  readonly datasetBaseBytes: number;
}

export interface VmOptions {
  /** Default true. False runs programs on the interpreter: slow, but needs no run-time compilation. */
  compiled?: boolean;
  /** Nonces mine() hashes, or inputs hashEach() takes, in lockstep, each on its own scratchpad: 1 to 4, default 4. */
  lanes?: number;
  /**
   * V8's wasm tiering budget (`--wasm-tiering-budget`) in the thread that will run the VM. Programs are compiled
   * so that V8 never spends its optimizing compiler on them; a process that raised the budget says so here.
   * Default: Chromium's.
   */
  tieringBudget?: number;
}

/** The C core's number for a variant name (its table in wasm_api.c). */
export function variantIndex(core: CoreInstance, memory: WebAssembly.Memory, wanted: string): number {
  for (let index = 0; ; index++) {
    const address = core.exports.rx_api_variant_name(index);
    if (address === 0) break;
    const bytes = new Uint8Array(memory.buffer, address);
    const name = new TextDecoder().decode(bytes.slice(0, bytes.indexOf(0)));
    if (name === wanted) return index;
  }
  throw new RangeError(`Unknown RandomX variant ${JSON.stringify(wanted)}; use one of ${RANDOMX_VARIANTS.join(', ')}.`);
}

/** Light mode computes each dataset item from the cache; full mode builds the 2080 MiB dataset once per key. */
export type DatasetMode = 'light' | 'full';

export interface CreateOptions {
  variant?: string;
  /**
   * Default light: the memory may grow to 1 GiB. Full: to 4 GiB, for the dataset beside the cache. A shared memory
   * reserves its maximum up front, so only ask for full mode where it will be used.
   */
  mode?: DatasetMode;
  /** The most the memory may grow to, below the mode's own maximum (1 GiB light, 4 GiB full). */
  maximumMemoryBytes?: number | undefined;
  build?: CoreBuild;
  /**
   * Default true: VMs in other threads may share the memory (canShareMemory() says whether this page allows it).
   * False: a memory of this thread's own, for pages that may not share memory; VMs then live in this thread.
   */
  sharedMemory?: boolean;
}

/** Where one cache lives in the memory: its rx_cache struct and its Argon2 memory. */
interface CacheSlot {
  struct: number;
  memory: number;
}

/** A key's cache as VMs follow it: RandomxVM.useCache(superscalar, cache, dataset). */
export interface CacheHandle {
  /** The key's SuperscalarHash programs compiled to WebAssembly. */
  superscalar: WebAssembly.Module;
  /** Its rx_cache struct. */
  cache: number;
  /** The address of its dataset, once one is built for the key (full mode). */
  dataset: number | undefined;
}

/** Where a key's dataset goes: any thread that shares the memory can build a slice of it (buildDatasetItems). */
export interface DatasetTarget {
  readonly memory: WebAssembly.Memory;
  /** The key's SuperscalarHash programs, which compute the items. */
  readonly superscalar: WebAssembly.Module;
  /** The address of item 0. */
  readonly dataset: number;
  /** Items in the dataset. */
  readonly items: number;
}

/**
 * Writes dataset items first .. first + count - 1 of `target` in the calling thread, `onProgress` getting the items
 * done after every 2 MiB. Blocks the thread: about 34 million items take minutes on one thread, so the engines
 * give each of their threads a slice.
 */
export async function buildDatasetItems(
  target: DatasetTarget,
  first: number,
  count: number,
  onProgress?: ProgressListener,
): Promise<void> {
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > target.items) {
    throw new RangeError(`Dataset items ${first} to ${first + count - 1} are outside 0 to ${target.items - 1}.`);
  }
  const { memory, superscalar, dataset } = target;
  const instance = await WebAssembly.instantiate(superscalar, { env: { memory } });
  const build = instance.exports[BUILD_EXPORT] as BuildItems;
  for (let done = 0; done < count; ) {
    const chunk = Math.min(BUILD_CHUNK_ITEMS, count - done);
    build(dataset + 64 * (first + done), first + done, chunk);
    done += chunk;
    onProgress?.(done, count);
  }
}

/**
 * Owns a memory with one cache, and reserves room for VMs in this thread or, when the memory is shared, in others.
 * A second cache slot,
 * reserved on the first prepareCache(), lets the next key be built while VMs hash under the current one; the two
 * slots then take turns, so the memory holds at most two caches however often the key changes.
 */
export class RandomxWasm {
  private cacheKey: Uint8Array | undefined;
  private superscalar: WebAssembly.Module | undefined;
  private fusedMultiplyAdd: boolean | undefined;
  private spare: CacheSlot | undefined;
  /** The key built in the spare slot, not yet in use. */
  private prepared: { key: Uint8Array; superscalar: WebAssembly.Module } | undefined;
  /** Full mode: the dataset's address, reserved on the first datasetTarget(). */
  private datasetAddress: number | undefined;
  /** The key whose items the dataset holds. */
  private datasetKey: Uint8Array | undefined;

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly core: CoreInstance,
    private readonly heap: MemoryHeap,
    readonly sharedMemory: boolean,
    readonly variant: RandomxVariant,
    readonly mode: DatasetMode,
    private readonly variantId: number,
    private slot: CacheSlot,
    private readonly ownerBuffer: number,
  ) {}

  static async create(options: CreateOptions = {}): Promise<RandomxWasm> {
    const variant = requireRandomxVariant(options.variant ?? 'rx/0');
    const sharedMemory = options.sharedMemory ?? true;
    const mode = options.mode ?? 'light';
    const module = await compileCore({ build: options.build ?? 'simd128', sharedMemory });
    const modeMaximum = mode === 'full' ? FULL_MEMORY_BYTES : LIGHT_MEMORY_BYTES;
    const maximumBytes = Math.min(modeMaximum, options.maximumMemoryBytes ?? modeMaximum);
    const memory = createMemory(INITIAL_MEMORY_BYTES, sharedMemory, Math.floor(maximumBytes / 65536) * 65536);
    // The first instance starts on the linker's stack just long enough to learn where the heap begins.
    const core = await instantiateCore(module, memory, 0);
    const heap = new MemoryHeap(memory, core.exports.__heap_base.value as number);
    core.exports.__stack_pointer.value = heap.reserve(INSTANCE_STACK_BYTES, 16) + INSTANCE_STACK_BYTES;
    const variantId = variantIndex(core, memory, variant);
    const slot = RandomxWasm.reserveCacheSlot(core, heap, variantId);
    const ownerBuffer = heap.reserve(MAX_KEY_BYTES, 8);
    return new RandomxWasm(module, core, heap, sharedMemory, variant, mode, variantId, slot, ownerBuffer);
  }

  private static reserveCacheSlot(core: CoreInstance, heap: MemoryHeap, variantId: number): CacheSlot {
    const struct = heap.reserve(core.exports.rx_api_cache_struct_bytes());
    return { struct, memory: heap.reserve(core.exports.rx_api_cache_memory_bytes(variantId)) };
  }

  get memory(): WebAssembly.Memory {
    return this.heap.memory;
  }

  /** The key the cache holds, or undefined before initCache. */
  get key(): Uint8Array | undefined {
    return this.cacheKey?.slice();
  }

  /**
   * Builds the cache for `key` (Argon2d fill and SuperscalarHash programs, then compiles those programs), in
   * place: a new key reuses the memory of the old one, and VMs made for the old key must be made again. Blocks
   * this thread for about a second; `onProgress` gets Argon2 blocks done.
   */
  async initCache(key: Uint8Array, onProgress?: ProgressListener): Promise<void> {
    this.cacheKey = undefined;
    this.superscalar = await this.buildCache(this.slot, key, onProgress);
    this.cacheKey = key.slice();
  }

  /**
   * Builds the cache for `key` in the spare slot while VMs go on hashing under the current key (the first call
   * reserves the slot: 256 MiB more memory). usePreparedCache(key) then switches to it. Blocks this thread like
   * initCache.
   */
  async prepareCache(key: Uint8Array, onProgress?: ProgressListener): Promise<void> {
    this.prepared = undefined;
    this.spare ??= RandomxWasm.reserveCacheSlot(this.core, this.heap, this.variantId);
    const superscalar = await this.buildCache(this.spare, key, onProgress);
    this.prepared = { key: key.slice(), superscalar };
  }

  /** The key prepareCache() built, if it is ready and unused. */
  get preparedKey(): Uint8Array | undefined {
    return this.prepared?.key.slice();
  }

  /**
   * Makes the prepared cache of `key` the current one; the old cache's slot becomes the spare, for the next
   * prepareCache. VMs follow with useCache(cacheHandle) once none of them hashes under the old key any more.
   */
  usePreparedCache(key: Uint8Array): void {
    const { prepared, spare } = this;
    if (prepared === undefined || spare === undefined || !sameBytes(prepared.key, key)) {
      throw new Error('No cache is prepared for this key; call prepareCache(key) first.');
    }
    this.spare = this.slot;
    this.slot = spare;
    this.superscalar = prepared.superscalar;
    this.cacheKey = prepared.key;
    this.prepared = undefined;
  }

  /** Fills `slot` with the cache of `key` and compiles its SuperscalarHash programs. */
  private async buildCache(slot: CacheSlot, key: Uint8Array, onProgress?: ProgressListener) {
    if (key.length > MAX_KEY_BYTES) {
      throw new RangeError(`A RandomX key here has at most ${MAX_KEY_BYTES} bytes, got ${key.length}.`);
    }
    const { exports } = this.core;
    bytesOf(this.memory, this.ownerBuffer, key.length).set(key);
    this.core.onProgress = onProgress;
    try {
      exports.rx_api_cache_init(slot.struct, this.variantId, slot.memory, this.ownerBuffer, key.length);
    } finally {
      this.core.onProgress = undefined;
    }
    return WebAssembly.compile(
      compileSuperscalar({
        memory: this.memory,
        maximumPages: MAXIMUM_MEMORY_PAGES,
        sharedMemory: this.sharedMemory,
        cache: slot.struct,
        cacheMemory: slot.memory,
        cacheMemoryBytes: exports.rx_api_cache_memory_bytes(this.variantId),
        programCount: exports.rx_api_cache_accesses(this.variantId),
        maxChains: exports.rx_api_max_lanes(),
      }),
    );
  }

  /** The key's SuperscalarHash programs compiled to WebAssembly, for RandomxVM.useCache after a key change. */
  get compiledCache(): WebAssembly.Module {
    this.requireCache();
    return this.superscalar as WebAssembly.Module;
  }

  /** The current key's cache, for RandomxVM.useCache after usePreparedCache or once its dataset is built. */
  get cacheHandle(): CacheHandle {
    return { superscalar: this.compiledCache, cache: this.slot.struct, dataset: this.readyDataset };
  }

  /**
   * Full mode: where the current key's dataset goes, for buildDatasetItems in any thread that shares the memory.
   * The first call reserves the dataset (2080 MiB more memory); every key after that is built in the same place.
   * VMs read items from it only after datasetBuilt().
   */
  datasetTarget(): DatasetTarget {
    this.requireCache();
    if (this.mode !== 'full') {
      throw new Error("This RandomX memory was made for light mode; create it with { mode: 'full' } for a dataset.");
    }
    const items = this.core.exports.rx_api_dataset_item_count(this.variantId);
    this.datasetKey = undefined;
    this.datasetAddress ??= this.heap.reserve(64 * items);
    return { memory: this.memory, superscalar: this.compiledCache, dataset: this.datasetAddress, items };
  }

  /** Says that every item of datasetTarget() is written: VMs reserved from now on, and cacheHandle, read them. */
  datasetBuilt(): void {
    this.requireCache();
    if (this.datasetAddress === undefined) throw new Error('Call datasetTarget() and build the items first.');
    this.datasetKey = this.cacheKey;
  }

  /** The dataset's address when it holds the current key's items. */
  private get readyDataset(): number | undefined {
    const { datasetKey, cacheKey } = this;
    return datasetKey !== undefined && cacheKey !== undefined && sameBytes(datasetKey, cacheKey)
      ? this.datasetAddress
      : undefined;
  }

  /** Word `index` of the cache as a little-endian uint64, for inspection and checkpoint tests. */
  cacheWord(index: number): bigint {
    this.requireCache();
    return new DataView(this.memory.buffer).getBigUint64(this.slot.memory + 8 * index, true);
  }

  /** Dataset item `itemNumber`, computed from the cache as light mode does. */
  datasetItem(itemNumber: number): Uint8Array {
    this.requireCache();
    this.core.exports.rx_api_dataset_item(this.slot.struct, itemNumber, this.ownerBuffer);
    return bytesOf(this.memory, this.ownerBuffer, 64).slice();
  }

  private requireCache(): void {
    if (this.cacheKey === undefined) throw new Error('Call initCache(key) first.');
  }

  /** Reserves the memory of one VM (scratchpad, buffers, stack), for RandomxVM.attach here or in a thread that
   * shares the memory. */
  reserveVm(options: VmOptions = {}): VmHandle {
    this.requireCache();
    const superscalar = this.superscalar as WebAssembly.Module;
    const compiled = options.compiled ?? true;
    this.fusedMultiplyAdd ??= relaxedMaddIsFused();
    const { exports } = this.core;
    const lanes = options.lanes ?? DEFAULT_LANES;
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > exports.rx_api_max_lanes()) {
      throw new RangeError(`A VM has 1 to ${exports.rx_api_max_lanes()} lanes, got ${lanes}.`);
    }
    const stackTop = this.heap.reserve(INSTANCE_STACK_BYTES, 16) + INSTANCE_STACK_BYTES;
    const vm = this.heap.reserve(exports.rx_api_vm_struct_bytes());
    const scratchpads = this.heap.reserve(lanes * exports.rx_api_scratchpad_bytes(this.variantId));
    const items = this.heap.reserve(64 * lanes);
    const io = this.heap.reserve(IO_BUFFER_BYTES);
    const shares = this.heap.reserve(MAX_SHARES_PER_BATCH * exports.rx_api_share_bytes());
    const flags = this.heap.reserve(8, 8);
    exports.rx_api_vm_init(vm, this.slot.struct, scratchpads, lanes, compiled ? 1 : 0);
    return {
      superscalar,
      compiled,
      fusedMultiplyAdd: this.fusedMultiplyAdd,
      tieringBudget: options.tieringBudget ?? CHROMIUM_TIERING_BUDGET,
      iterations: exports.rx_api_program_iterations(this.variantId),
      scratchpadBytes: exports.rx_api_scratchpad_bytes(this.variantId),
      datasetBaseBytes: exports.rx_api_dataset_base_bytes(this.variantId) >>> 0,
      module: this.module,
      memory: this.memory,
      sharedMemory: this.sharedMemory,
      variant: this.variant,
      cache: this.slot.struct,
      stackTop,
      vm,
      scratchpads,
      lanes,
      items,
      dataset: this.readyDataset,
      io,
      shares,
      stopFlag: flags,
      shareCount: flags + 4,
    };
  }

  /** A VM in this thread. */
  async createVM(options: VmOptions = {}): Promise<RandomxVM> {
    return RandomxVM.attach(this.reserveVm(options));
  }
}

/**
 * The compiled-program runner for a VM's lanes in the calling thread, whose items come from the handle's dataset
 * (full mode) or are computed by `superscalar`, the key's SuperscalarHash programs (light mode).
 */
export async function programRunnerFor(handle: VmHandle, superscalar: WebAssembly.Module): Promise<RunPrograms> {
  const items =
    handle.dataset === undefined
      ? superscalar
      : await WebAssembly.compile(
          compileDatasetReader({
            memory: handle.memory,
            maximumPages: MAXIMUM_MEMORY_PAGES,
            sharedMemory: handle.sharedMemory,
            dataset: handle.dataset,
            maxChains: handle.lanes,
          }),
        );
  return createProgramRunner(
    items,
    {
      memory: handle.memory,
      maximumPages: MAXIMUM_MEMORY_PAGES,
      sharedMemory: handle.sharedMemory,
      iterations: handle.iterations,
      items: handle.items,
      scratchpadBytes: handle.scratchpadBytes,
      datasetBaseBytes: handle.datasetBaseBytes,
      tieringBudget: handle.tieringBudget,
    },
    handle.fusedMultiplyAdd,
  );
}

/** A RandomX VM over an owner's cache, in the thread that attached it. */
export class RandomxVM {
  private constructor(
    private readonly core: CoreInstance,
    private handle: VmHandle,
  ) {}

  /** Nonces mine() hashes at a time. */
  get lanes(): number {
    return this.handle.lanes;
  }

  /** Instantiates the core in the calling thread over the handle's memory. */
  static async attach(handle: VmHandle): Promise<RandomxVM> {
    const vm = new RandomxVM(await instantiateCore(handle.module, handle.memory, handle.stackTop), handle);
    await vm.useCache(handle.superscalar, handle.cache, handle.dataset);
    return vm;
  }

  /**
   * Follows the owner's cache to a new key: pass RandomxWasm.compiledCache after its initCache (the cache was
   * rebuilt in place), or, after usePreparedCache or datasetBuilt, its cacheHandle's programs, `cache` and
   * `dataset`. Without a dataset, items are computed from the cache.
   */
  async useCache(
    superscalar: WebAssembly.Module,
    cache = this.handle.cache,
    dataset: number | undefined = undefined,
  ): Promise<void> {
    const { handle } = this;
    const next = { ...handle, superscalar, cache, dataset };
    // Compiled before anything changes: a VM that moves to its key's finished dataset may be asked to hash while
    // the reader compiles, and hashes under the old runner meanwhile.
    const runPrograms = handle.compiled ? await programRunnerFor(next, superscalar) : undefined;
    if (cache !== handle.cache) {
      // Re-initializing the lanes over the other slot keeps their scratchpads; nothing carries over between hashes.
      this.core.exports.rx_api_vm_init(handle.vm, cache, handle.scratchpads, handle.lanes, handle.compiled ? 1 : 0);
    }
    this.handle = next;
    if (runPrograms !== undefined) this.core.runPrograms = runPrograms;
  }

  /** The RandomX hash of `input` (any length) under the cache's key. */
  hash(input: Uint8Array): Uint8Array {
    return this.hashEach([input])[0] as Uint8Array;
  }

  /**
   * The RandomX hashes of 1 to `lanes` inputs (any length) under the cache's key, computed together, each on a lane
   * of its own: like mine(), several lanes hash faster than one hash at a time.
   */
  hashEach(inputs: readonly Uint8Array[]): Uint8Array[] {
    const { lanes, memory, vm, io } = this.handle;
    if (inputs.length < 1 || inputs.length > lanes) {
      throw new RangeError(`hashEach() takes 1 to ${lanes} inputs on this VM, got ${inputs.length}.`);
    }
    const { exports } = this.core;
    for (const [lane, input] of inputs.entries()) {
      exports.rx_api_hash_begin(vm);
      for (let offset = 0; offset < input.length; offset += IO_BUFFER_BYTES) {
        const piece = input.subarray(offset, offset + IO_BUFFER_BYTES);
        bytesOf(memory, io, piece.length).set(piece);
        exports.rx_api_hash_absorb(vm, io, piece.length);
      }
      exports.rx_api_hash_seal(vm, lane);
    }
    exports.rx_api_hash_lanes(vm, inputs.length, io);
    return inputs.map((_, lane) => bytesOf(memory, io + 32 * lane, 32).slice());
  }

  /** Runs the nonce loop inside WebAssembly; returns when done, stopped, or holding MAX_SHARES_PER_BATCH shares. */
  mine(request: MineRequest): MineResult {
    const { blob, firstNonce, count, target } = request;
    if (blob.length < 43 || blob.length > IO_BUFFER_BYTES) {
      throw new RangeError(`A hashing blob has 43 to ${IO_BUFFER_BYTES} bytes, got ${blob.length}.`);
    }
    if (!Number.isInteger(firstNonce) || firstNonce < 0 || !Number.isInteger(count) || count < 0) {
      throw new RangeError('firstNonce and count must be non-negative integers.');
    }
    if (firstNonce + count > 2 ** 32) throw new RangeError('The nonce range must stay within uint32.');
    if (target < 0n || target >= 2n ** 64n) throw new RangeError('The share target is a uint64.');
    const { exports } = this.core;
    const { memory, vm, io, shares, stopFlag, shareCount } = this.handle;
    bytesOf(memory, io, blob.length).set(blob);
    const shareBytes = exports.rx_api_share_bytes();
    const hashes = exports.rx_api_mine(
      vm,
      io,
      blob.length,
      firstNonce,
      count,
      BigInt.asIntN(64, target),
      stopFlag,
      shares,
      MAX_SHARES_PER_BATCH,
      shareCount,
    );
    const found = new DataView(memory.buffer).getUint32(shareCount, true);
    const result: Share[] = [];
    for (let i = 0; i < found; i++) {
      const record = shares + i * shareBytes;
      result.push({
        nonce: new DataView(memory.buffer).getUint32(record, true),
        hash: bytesOf(memory, record + 4, 32).slice(),
      });
    }
    return { hashes, shares: result, stoppedEarly: hashes < count };
  }
}

/** Asks a VM, possibly busy in another thread, to return from mine() after its current hash. */
export function requestStop(handle: VmHandle): void {
  Atomics.store(new Int32Array(handle.memory.buffer), handle.stopFlag >>> 2, 1);
}

/** Clears a stop request so that the VM can mine again. */
export function clearStop(handle: VmHandle): void {
  Atomics.store(new Int32Array(handle.memory.buffer), handle.stopFlag >>> 2, 0);
}
