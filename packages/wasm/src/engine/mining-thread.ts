// One mining thread of the engine: a VM over the shared cache that hashes the batch's range in chunks of one
// lockstep step, taken from the counter that every mining thread shares, and rests after each chunk as long as
// the throttle asks.
import type { MineRequest, Share } from '@rxmesh/core';
import { type Endpoint, expose } from 'comlink';
import type { ProgressListener } from '../load.js';
import { buildDatasetItems, type CacheHandle, type DatasetTarget, RandomxVM, type VmHandle } from '../randomx-wasm.js';
import { MiningControl } from './mining-control.js';
import { timedBuild } from './timed-build.js';

/** One thread's part of a batch; together the parts cover a prefix of the range. */
export interface ThreadMined {
  hashes: number;
  shares: Share[];
}

export interface MiningThread {
  /** Attaches this thread's VM to the shared memory and the engine's control buffer; first, and once. */
  attach(vm: VmHandle, control: SharedArrayBuffer): Promise<void>;
  /** Follows the cache to a new key (rebuilt in place, or in the other slot), or to the key's finished dataset. */
  useCache(cache: CacheHandle): Promise<void>;
  /**
   * Full mode: writes dataset items first .. first + count - 1; `onProgress` (a Comlink proxy) gets items done.
   * Rests between chunks as the throttle in `control` asks, like mining; needs no VM, so a thread started only to
   * build can do it.
   */
  buildDataset(
    target: DatasetTarget,
    first: number,
    count: number,
    onProgress: ProgressListener,
    control: SharedArrayBuffer,
  ): Promise<void>;
  /** Hashes chunks until the range is all taken or a stop is requested; never part of a chunk. */
  mine(request: MineRequest): ThreadMined;
}

/** Serves a mining thread's API to the engine on `endpoint` (a Web Worker's own scope when omitted). */
export function exposeMiningThread(endpoint?: Endpoint): void {
  let attached: { vm: RandomxVM; lanes: number; control: MiningControl } | undefined;
  const attachment = () => {
    if (attached === undefined) throw new Error('Attach the mining thread to a VM first.');
    return attached;
  };

  const thread: MiningThread = {
    async attach(handle, control) {
      if (attached !== undefined) throw new Error('The mining thread has its VM already.');
      attached = { vm: await RandomxVM.attach(handle), lanes: handle.lanes, control: new MiningControl(control) };
    },

    async useCache({ superscalar, cache, dataset }) {
      await attachment().vm.useCache(superscalar, cache, dataset);
    },

    async buildDataset(target, first, count, onProgress, control) {
      const throttle = new MiningControl(control);
      let chunkBegin = performance.now();
      const chunkDone: ProgressListener = (done, total) => {
        onProgress(done, total);
        throttle.rest(performance.now() - chunkBegin);
        chunkBegin = performance.now();
      };
      await timedBuild(onProgress, () => buildDatasetItems(target, first, count, chunkDone));
    },

    mine({ blob, firstNonce, count, target }) {
      const { vm, lanes, control } = attachment();
      const shares: Share[] = [];
      let hashes = 0;
      while (!control.stopRequested) {
        const offset = control.take(lanes);
        if (offset >= count) break;
        const chunk = Math.min(lanes, count - offset);
        const begin = performance.now();
        const result = vm.mine({ blob, firstNonce: firstNonce + offset, count: chunk, target });
        // The VM returns early only for its own stop flag (never set here) or a full share buffer (bigger than a
        // chunk); a chunk cut short would leave a gap in the range.
        if (result.hashes !== chunk) throw new Error(`A mining thread hashed ${result.hashes} of its ${chunk} nonces.`);
        hashes += chunk;
        shares.push(...result.shares);
        control.rest(performance.now() - begin);
      }
      return { hashes, shares };
    },
  };
  expose(thread, endpoint);
}
