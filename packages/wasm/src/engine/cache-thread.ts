// The engine's cache thread: owns the shared WebAssembly memory and its one cache, reserves the mining threads'
// VMs once, and hashes single inputs on a one-lane VM of its own. Building a cache holds its thread for 0.6 s or
// more, which is why it happens here and not on the engine's thread.
import type { RandomxVariant } from '@rxmesh/core';
import { type Endpoint, expose, type Remote, releaseProxy } from 'comlink';
import type { ProgressListener } from '../load.js';
import { type RandomxVM, RandomxWasm, type VmHandle } from '../randomx-wasm.js';

export interface CacheThreadOptions {
  variant: RandomxVariant;
  /** Mining VMs to reserve with the first key. */
  miningVms: number;
  tieringBudget: number;
}

export interface KeyBuilt {
  cacheInitMs: number;
  /** The new key's compiled SuperscalarHash programs, for RandomxVM.useCache in the mining threads. */
  compiledCache: VmHandle['superscalar'];
  /** The mining VMs: the same handles for every key, since reserved memory is never given back. */
  miningVms: VmHandle[];
}

export interface CacheThread {
  /** Creates the shared memory with room for a cache; first, and once. Answers the memory, whose size the engine
   * reports. */
  open(options: CacheThreadOptions): Promise<WebAssembly.Memory>;
  /** `onProgress` is the engine's listener, passed through Comlink.proxy; this thread releases it when done. */
  setKey(key: Uint8Array, onProgress: ProgressListener | undefined): Promise<KeyBuilt>;
  hash(input: Uint8Array): Uint8Array;
}

/** Serves the cache thread's API to the engine on `endpoint` (a Web Worker's own scope when omitted). */
export function exposeCacheThread(endpoint?: Endpoint): void {
  let opened: { randomx: RandomxWasm; options: CacheThreadOptions } | undefined;
  let miningVms: VmHandle[] = [];
  let hashingVm: RandomxVM | undefined;

  const thread: CacheThread = {
    async open(options) {
      if (opened !== undefined) throw new Error('The cache thread is open already.');
      const randomx = await RandomxWasm.create({ variant: options.variant });
      opened = { randomx, options };
      return randomx.memory;
    },

    async setKey(key, onProgress) {
      try {
        if (opened === undefined) throw new Error('Open the cache thread first.');
        const { randomx, options } = opened;
        const begin = performance.now();
        // Progress goes out without waiting for replies: the thread is busy until the cache is built.
        await randomx.initCache(key, onProgress);
        const cacheInitMs = performance.now() - begin;
        if (hashingVm === undefined) {
          const { miningVms: count, tieringBudget } = options;
          miningVms = Array.from({ length: count }, () => randomx.reserveVm({ tieringBudget }));
          hashingVm = await randomx.createVM({ lanes: 1, tieringBudget });
        } else {
          await hashingVm.useCache(randomx.compiledCache);
        }
        return { cacheInitMs, compiledCache: randomx.compiledCache, miningVms };
      } finally {
        // What arrived is Comlink's proxy of the listener: closing its channel now, rather than whenever the
        // garbage collector finds the proxy, leaves no channel open per key.
        void (onProgress as Remote<ProgressListener> | undefined)?.[releaseProxy]();
      }
    },

    hash(input) {
      if (hashingVm === undefined) throw new Error('Call setKey(key) first.');
      return hashingVm.hash(input);
    },
  };
  expose(thread, endpoint);
}
