// One benchmark thread: attaches a VM to the shared cache and mines its own nonce range until asked to stop.
import { parentPort, workerData } from 'node:worker_threads';
import { RandomxVM, type VmHandle } from '@rxmesh/wasm';

export interface WasmBenchWorkerData {
  handle: VmHandle;
  blob: Uint8Array;
  firstNonce: number;
}

export interface WasmBenchWorkerResult {
  hashes: number;
  milliseconds: number;
}

const { handle, blob, firstNonce } = workerData as WasmBenchWorkerData;
const vm = await RandomxVM.attach(handle);
// One step of the VM's lanes per call: the stop flag is seen between calls too.
const begin = performance.now();
let hashes = 0;
for (;;) {
  const result = vm.mine({ blob, firstNonce: firstNonce + hashes, count: handle.lanes, target: 0n });
  hashes += result.hashes;
  if (result.stoppedEarly) break;
}
parentPort?.postMessage({ hashes, milliseconds: performance.now() - begin } satisfies WasmBenchWorkerResult);
