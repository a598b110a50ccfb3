// Hashrate of the WebAssembly engine: one shared cache (and in full mode the dataset beside it), N worker threads.
import { BENCHMARK_KEY_TEXT } from '@rxmesh/core';
import { mineBenchmarkFor } from '@rxmesh/mesh';
import { createWasmEngine } from '../engines.js';
import { type BenchResult, peakRssMb, percentSteps } from './bench-result.js';

export async function benchWasm(
  mode: 'light' | 'full',
  threads: number,
  seconds: number,
  onProgress: (message: string) => void,
): Promise<BenchResult> {
  const engine = await createWasmEngine(threads, 'rx/0', mode);
  try {
    const { cacheInitMs, datasetInitMs } = await engine.setKey(
      new TextEncoder().encode(BENCHMARK_KEY_TEXT),
      percentSteps(mode === 'full' ? 'dataset init' : 'cache init', 10, onProgress),
    );
    const dataset = datasetInitMs === null ? '' : `, dataset in ${Math.round(datasetInitMs)} ms`;
    onProgress(
      `cache ready in ${Math.round(cacheInitMs)} ms${dataset}; hashing on ${threads} thread(s) for ${seconds} s`,
    );
    const { hashes, hashrate } = await mineBenchmarkFor(engine, seconds);
    return {
      impl: 'wasm',
      mode,
      threads,
      seconds,
      hashes,
      hashrate,
      cacheInitMs: Math.round(cacheInitMs),
      datasetInitMs: datasetInitMs === null ? null : Math.round(datasetInitMs),
      peakRssMb: peakRssMb(),
      wasmMemoryMb: Math.round(engine.memoryBytes / 2 ** 20),
    };
  } finally {
    engine.release();
  }
}
