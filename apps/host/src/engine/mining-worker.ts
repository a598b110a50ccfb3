// One mining thread of the engine: a VM over the shared cache that hashes the batch's range in chunks of one
// lockstep step, taken from the counter that every mining thread shares.
import { workerData } from 'node:worker_threads';
import type { MineRequest, Share } from '@rxmesh/core';
import { RandomxVM, type VmHandle } from '@rxmesh/wasm';
import { MiningControl } from './mining-control.js';
import { announceReady, answerRequests } from './worker-thread.js';

export interface MiningWorkerData {
  vm: VmHandle;
  control: SharedArrayBuffer;
}

/** One thread's part of a batch; together the parts cover a prefix of the range. */
export interface ThreadMined {
  hashes: number;
  shares: Share[];
}

export type MiningCalls = {
  /** Follows the cache to a new key: its compiled SuperscalarHash programs. */
  useCache: { takes: VmHandle['superscalar']; answers: undefined };
  mine: { takes: MineRequest; answers: ThreadMined };
};

const { vm: handle, control: controlBuffer } = workerData as MiningWorkerData;
const vm = await RandomxVM.attach(handle);
const control = new MiningControl(controlBuffer);

/** Hashes chunks of `lanes` nonces until the range is all taken or a stop is requested; never part of a chunk. */
function mine({ blob, firstNonce, count, target }: MineRequest): ThreadMined {
  const shares: Share[] = [];
  let hashes = 0;
  while (!control.stopRequested) {
    const offset = control.take(handle.lanes);
    if (offset >= count) break;
    const chunk = Math.min(handle.lanes, count - offset);
    const result = vm.mine({ blob, firstNonce: firstNonce + offset, count: chunk, target });
    // The VM returns early only for its own stop flag (never set here) or a full share buffer (bigger than a
    // chunk); a chunk cut short would leave a gap in the range.
    if (result.hashes !== chunk) throw new Error(`A mining thread hashed ${result.hashes} of its ${chunk} nonces.`);
    hashes += chunk;
    shares.push(...result.shares);
  }
  return { hashes, shares };
}

answerRequests<MiningCalls>({
  async useCache(compiledCache) {
    await vm.useCache(compiledCache);
  },
  mine,
});
announceReady();
