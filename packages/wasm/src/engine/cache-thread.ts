// The engine's cache thread: owns the shared WebAssembly memory and its caches (the current key's, and the next
// one's while it is prepared), reserves the mining threads' VMs once, and hashes single inputs on a one-lane VM of
// its own (several at once on a VM with a lane for each, reserved the first time several come). Building a cache
// holds its thread for 0.6 s or more, which is why it happens here and not on the engine's thread.
import type { RandomxVariant } from '@rxmesh/core';
import { type Endpoint, expose } from 'comlink';
import type { ProgressListener } from '../load.js';
import {
  type CacheHandle,
  type DatasetMode,
  type DatasetTarget,
  type RandomxVM,
  RandomxWasm,
  type VmHandle,
} from '../randomx-wasm.js';
import { timedBuild } from './timed-build.js';

export interface CacheThreadOptions {
  variant: RandomxVariant;
  /** Full mode: the memory may grow by the dataset, which the mining threads build for each key. */
  mode: DatasetMode;
  maximumMemoryBytes: number | undefined;
  /** Mining VMs to reserve with the first key. */
  miningVms: number;
  /** The most inputs hashEach() takes: the lanes of its VM. */
  hashLanes: number;
  tieringBudget: number;
}

export interface KeyBuilt {
  /** The new key's cache, for RandomxVM.useCache in the mining threads. */
  cache: CacheHandle;
  /** The mining VMs: the same handles for every key, since reserved memory is never given back. */
  miningVms: VmHandle[];
}

export interface CacheThread {
  /** Creates the shared memory with room for a cache; first, and once. Answers the memory, whose size the engine
   * reports. */
  open(options: CacheThreadOptions): Promise<WebAssembly.Memory>;
  /**
   * Builds `key`'s cache in place of the current one and answers its build time. `onProgress` is the engine's
   * listener, passed through Comlink.proxy; this thread releases it when done.
   */
  setKey(key: Uint8Array, onProgress: ProgressListener | undefined): Promise<KeyBuilt & { cacheInitMs: number }>;
  /** Builds `key`'s cache in the spare slot while the mining threads hash under the current one. */
  prepareKey(key: Uint8Array, onProgress: ProgressListener | undefined): Promise<{ cacheInitMs: number }>;
  /** Switches to the cache prepareKey(key) built; the mining threads must not be mining. */
  usePreparedKey(key: Uint8Array): Promise<KeyBuilt>;
  /** Full mode: where the current key's dataset goes (reserved the first time), for the mining threads to build. */
  datasetTarget(): Promise<DatasetTarget>;
  /** Full mode: every item is written; the hashing VMs read them from now on, and the mining VMs follow. */
  datasetBuilt(): Promise<KeyBuilt>;
  /** The hashes of 1 to `hashLanes` inputs under the current key, computed together. */
  hashEach(inputs: Uint8Array[]): Promise<Uint8Array[]>;
}

/** Serves the cache thread's API to the engine on `endpoint` (a Web Worker's own scope when omitted). */
export function exposeCacheThread(endpoint?: Endpoint): void {
  let opened: { randomx: RandomxWasm; options: CacheThreadOptions } | undefined;
  let miningVms: VmHandle[] = [];
  let hashingVm: RandomxVM | undefined;
  let lanesVm: RandomxVM | undefined;

  const open = () => {
    if (opened === undefined) throw new Error('Open the cache thread first.');
    return opened;
  };

  /** After a key change: the first key reserves the VMs, later ones move the hashing VM to the new cache. */
  const followKey = async (): Promise<KeyBuilt> => {
    const { randomx, options } = open();
    const cache = randomx.cacheHandle;
    if (hashingVm === undefined) {
      const { miningVms: count, tieringBudget } = options;
      miningVms = Array.from({ length: count }, () => randomx.reserveVm({ tieringBudget }));
      hashingVm = await randomx.createVM({ lanes: 1, tieringBudget });
    } else {
      for (const vm of [hashingVm, lanesVm]) await vm?.useCache(cache.superscalar, cache.cache, cache.dataset);
    }
    return { cache, miningVms };
  };

  const thread: CacheThread = {
    async open(options) {
      if (opened !== undefined) throw new Error('The cache thread is open already.');
      const { variant, mode, maximumMemoryBytes } = options;
      const randomx = await RandomxWasm.create({ variant, mode, maximumMemoryBytes });
      opened = { randomx, options };
      return randomx.memory;
    },

    async setKey(key, onProgress) {
      // Progress goes out without waiting for replies: the thread is busy until the cache is built.
      const cacheInitMs = await timedBuild(onProgress, () => open().randomx.initCache(key, onProgress));
      return { cacheInitMs, ...(await followKey()) };
    },

    async prepareKey(key, onProgress) {
      if (open().randomx.mode === 'full') {
        // Two datasets do not fit in a 32-bit memory: the key changes in place, and the dataset is built again.
        throw new Error('A full-mode WebAssembly engine has room for one dataset; stop and call setKey() instead.');
      }
      return { cacheInitMs: await timedBuild(onProgress, () => open().randomx.prepareCache(key, onProgress)) };
    },

    async usePreparedKey(key) {
      open().randomx.usePreparedCache(key);
      return followKey();
    },

    async datasetTarget() {
      return open().randomx.datasetTarget();
    },

    async datasetBuilt() {
      open().randomx.datasetBuilt();
      return followKey();
    },

    async hashEach(inputs) {
      if (hashingVm === undefined) throw new Error('Call setKey(key) first.');
      if (inputs.length === 1) return hashingVm.hashEach(inputs);
      const { randomx, options } = open();
      lanesVm ??= await randomx.createVM({ lanes: options.hashLanes, tieringBudget: options.tieringBudget });
      return lanesVm.hashEach(inputs);
    },
  };
  expose(thread, endpoint);
}
