// Light-mode hashrate of the WebAssembly engine: one shared cache, N worker threads.
import { Worker } from 'node:worker_threads';
import { BENCHMARK_KEY_TEXT, benchmarkBlob } from '@rxmesh/core';
import { RandomxWasm, requestStop } from '@rxmesh/wasm';
import { WASM_TIERING_BUDGET } from '../v8-tuning.js';
import { type BenchResult, peakRssMb } from './bench-result.js';
import type { WasmBenchWorkerData, WasmBenchWorkerResult } from './wasm-worker.js';

export async function benchWasmLight(
  threads: number,
  seconds: number,
  onProgress: (message: string) => void,
): Promise<BenchResult> {
  const randomx = await RandomxWasm.create({ variant: 'rx/0' });
  const cacheBegin = performance.now();
  await randomx.initCache(new TextEncoder().encode(BENCHMARK_KEY_TEXT), (done, total) =>
    onProgress(`cache init ${Math.floor((100 * done) / total)}%`),
  );
  const cacheInitMs = performance.now() - cacheBegin;
  onProgress(`cache ready in ${Math.round(cacheInitMs)} ms; hashing on ${threads} thread(s) for ${seconds} s`);

  const handles = Array.from({ length: threads }, () => randomx.reserveVm({ tieringBudget: WASM_TIERING_BUDGET }));
  const nonceSpan = Math.floor(2 ** 32 / threads);
  const results = handles.map(
    (handle, index) =>
      new Promise<WasmBenchWorkerResult>((resolve, reject) => {
        const data: WasmBenchWorkerData = { handle, blob: benchmarkBlob(), firstNonce: index * nonceSpan };
        const worker = new Worker(new URL('./wasm-worker.js', import.meta.url), { workerData: data });
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`A benchmark thread exited with code ${code}.`));
        });
      }),
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  for (const handle of handles) requestStop(handle);
  const perThread = await Promise.all(results);
  const hashes = perThread.reduce((sum, result) => sum + result.hashes, 0);
  // Each thread's own rate over its own time, so the hash in flight at the stop is not counted against it.
  const hashrate = perThread.reduce((sum, result) => sum + (1000 * result.hashes) / result.milliseconds, 0);
  return {
    impl: 'wasm',
    mode: 'light',
    threads,
    seconds,
    hashes,
    hashrate,
    cacheInitMs: Math.round(cacheInitMs),
    datasetInitMs: null,
    peakRssMb: peakRssMb(),
    wasmMemoryMb: Math.round(randomx.memory.buffer.byteLength / 2 ** 20),
  };
}
