// The one worker of SoloEngine: a memory of its own (never shared, so it runs where browsers withhold shared memory),
// the key's cache and one VM in it. It mines in chunks of at most one lockstep step and, between chunks, lets its
// event loop turn, so that the engine's stop, throttle and single hashes reach it while a batch runs.
import type { MineRequest, RandomxVariant, Share } from '@rxmesh/core';
import { type Endpoint, expose } from 'comlink';
import type { ProgressListener } from '../load.js';
import { type RandomxVM, RandomxWasm } from '../randomx-wasm.js';
import { timedBuild } from './timed-build.js';

export interface SoloThreadOptions {
  variant: RandomxVariant;
  tieringBudget: number;
}

/** The worker's part of a batch: the first `hashes` nonces of the range, and the shares among them. */
export interface SoloMined {
  hashes: number;
  shares: Share[];
}

export interface SoloThread {
  /** Creates the memory with room for a cache; first, and once. Answers the memory's size. */
  open(options: SoloThreadOptions): Promise<number>;
  /**
   * Builds `key`'s cache in place of the current one (the first key also reserves the VM) and answers its build
   * time and the memory's size. `onProgress` is the engine's listener, passed through Comlink.proxy.
   */
  setKey(
    key: Uint8Array,
    onProgress: ProgressListener | undefined,
  ): Promise<{ cacheInitMs: number; memoryBytes: number }>;
  /** Hashes chunks until the range is done or stop() arrives; never part of a chunk. */
  mine(request: MineRequest): Promise<SoloMined>;
  /** Ends the running batch after its chunk in flight, and a rest at once. A batch that starts later runs in full. */
  stop(): void;
  /** The share of time the worker hashes, in (0, 1]; from the next chunk on. */
  setThrottle(duty: number): void;
  /** One hash under the current key; while a batch runs, between two of its chunks. */
  hash(input: Uint8Array): Uint8Array;
}

/**
 * How long a chunk may take. A stop lands only between chunks, so on a slow machine a chunk holds fewer hashes than
 * the VM has lanes, and a stop still lands within this. Each lane fewer costs about a tenth of the rate, so the
 * budget leaves all 4 lanes to a worker down to 6.7 H/s, below a loaded machine's 7-9.
 */
const CHUNK_BUDGET_MS = 600;

/** The hashes of the next chunk: as many lanes as fit in CHUNK_BUDGET_MS at `msPerHash`, and at least one. */
function chunkHashes(lanes: number, msPerHash: number | undefined): number {
  if (msPerHash === undefined) return lanes;
  return Math.max(1, Math.min(lanes, Math.floor(CHUNK_BUDGET_MS / msPerHash)));
}

/**
 * Resolves after one turn of the event loop, so that the engine's messages waiting for this worker run first. A
 * message to itself, because a timer would wait at least 4 ms once nested (browsers), and a chunk takes about 100.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}

/** Serves the worker's API to the engine on `endpoint` (a Web Worker's own scope when omitted). */
export function exposeSoloThread(endpoint?: Endpoint): void {
  let opened: { randomx: RandomxWasm; options: SoloThreadOptions } | undefined;
  let vm: RandomxVM | undefined;
  let duty = 1;
  /** What a hash of the last chunk took: the next chunk's size follows it. */
  let msPerHash: number | undefined;
  let stopRequested = false;
  /** Ends the rest in progress, if any. */
  let endRest: (() => void) | undefined;

  const open = () => {
    if (opened === undefined) throw new Error('Open the solo thread first.');
    return opened;
  };
  const keyedVm = () => {
    if (vm === undefined) throw new Error('Call setKey(key) first.');
    return vm;
  };

  /** After a chunk of `busyMs`: rests (1 - duty) / duty as long, like WasmEngine's mining threads. */
  const rest = (busyMs: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => endRest?.(), (busyMs * (1 - duty)) / duty);
      endRest = () => {
        clearTimeout(timer);
        endRest = undefined;
        resolve();
      };
    });

  const thread: SoloThread = {
    async open(options) {
      if (opened !== undefined) throw new Error('The solo thread is open already.');
      const randomx = await RandomxWasm.create({ variant: options.variant, sharedMemory: false });
      opened = { randomx, options };
      return randomx.memory.buffer.byteLength;
    },

    async setKey(key, onProgress) {
      const { randomx, options } = open();
      // Progress goes out without waiting for replies: the worker is busy until the cache is built.
      const cacheInitMs = await timedBuild(onProgress, () => randomx.initCache(key, onProgress));
      // The cache was rebuilt in place, where the VM already points.
      if (vm === undefined) vm = await randomx.createVM({ tieringBudget: options.tieringBudget });
      else await vm.useCache(randomx.compiledCache);
      return { cacheInitMs, memoryBytes: randomx.memory.buffer.byteLength };
    },

    async mine({ blob, firstNonce, count, target }) {
      const miner = keyedVm();
      const { lanes } = miner;
      stopRequested = false;
      const shares: Share[] = [];
      let hashes = 0;
      while (hashes < count && !stopRequested) {
        const chunk = Math.min(chunkHashes(lanes, msPerHash), count - hashes);
        const begin = performance.now();
        const result = miner.mine({ blob, firstNonce: firstNonce + hashes, count: chunk, target });
        // The VM returns early only for its own stop flag (never set here) or a full share buffer (bigger than a
        // chunk); a chunk cut short would leave a gap in the range.
        if (result.hashes !== chunk) throw new Error(`The solo thread hashed ${result.hashes} of its ${chunk} nonces.`);
        const busyMs = performance.now() - begin;
        msPerHash = busyMs / chunk;
        hashes += chunk;
        shares.push(...result.shares);
        // A rest, which stop() ends at once, or at full speed a turn of the event loop before the next chunk.
        if (duty < 1) await rest(busyMs);
        else if (hashes < count) await nextTurn();
      }
      return { hashes, shares };
    },

    stop() {
      stopRequested = true;
      endRest?.();
    },

    setThrottle(value) {
      duty = value;
    },

    hash(input) {
      // Between chunks the VM holds nothing of the batch: every hash starts afresh.
      return keyedVm().hash(input);
    },
  };
  expose(thread, endpoint);
}
