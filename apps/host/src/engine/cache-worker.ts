// The engine's cache thread: owns the shared WebAssembly memory and its one cache, reserves the mining threads'
// VMs once, and hashes single inputs on a one-lane VM of its own. Building a cache holds its thread for 0.6 s or
// more, which is why it happens here and not on the engine's event loop.
import { workerData } from 'node:worker_threads';
import { type ProgressListener, type RandomxVM, RandomxWasm, type VmHandle } from '@rxmesh/wasm';
import { announceReady, answerRequests } from './worker-thread.js';

export interface CacheWorkerData {
  variant: string;
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

export type CacheCalls = {
  setKey: { takes: Uint8Array; answers: KeyBuilt };
  hash: { takes: Uint8Array; answers: Uint8Array };
};

const { variant, miningVms: miningVmCount, tieringBudget } = workerData as CacheWorkerData;
const randomx = await RandomxWasm.create({ variant });
let miningVms: VmHandle[] = [];
let hashingVm: RandomxVM | undefined;

async function setKey(key: Uint8Array, onProgress: ProgressListener): Promise<KeyBuilt> {
  const begin = performance.now();
  await randomx.initCache(key, onProgress);
  const cacheInitMs = performance.now() - begin;
  if (hashingVm === undefined) {
    miningVms = Array.from({ length: miningVmCount }, () => randomx.reserveVm({ tieringBudget }));
    hashingVm = await randomx.createVM({ lanes: 1, tieringBudget });
  } else {
    await hashingVm.useCache(randomx.compiledCache);
  }
  return { cacheInitMs, compiledCache: randomx.compiledCache, miningVms };
}

answerRequests<CacheCalls>({
  setKey,
  hash(input) {
    if (hashingVm === undefined) throw new Error('Call setKey(key) first.');
    return hashingVm.hash(input);
  },
});
// The shared memory, so that the engine can tell its size.
announceReady(randomx.memory);
