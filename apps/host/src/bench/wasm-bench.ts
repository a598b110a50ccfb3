// Light-mode hashrate of the WebAssembly engine: one shared cache, N worker threads.
import { BENCHMARK_KEY_TEXT, benchmarkBlob } from '@rxmesh/core';
import { createWasmEngine } from '../engines.js';
import { type BenchResult, peakRssMb, percentSteps } from './bench-result.js';

export async function benchWasmLight(
  threads: number,
  seconds: number,
  onProgress: (message: string) => void,
): Promise<BenchResult> {
  const engine = await createWasmEngine(threads);
  try {
    const { cacheInitMs } = await engine.setKey(
      new TextEncoder().encode(BENCHMARK_KEY_TEXT),
      percentSteps('cache init', 10, onProgress),
    );
    onProgress(`cache ready in ${Math.round(cacheInitMs)} ms; hashing on ${threads} thread(s) for ${seconds} s`);
    const begin = performance.now();
    const batch = engine.mine({ blob: benchmarkBlob(), firstNonce: 0, count: 2 ** 32 - 1, target: 0n });
    const timer = setTimeout(() => engine.stop(), seconds * 1000);
    const { hashes } = await batch.finally(() => clearTimeout(timer));
    // As for the native engine: the chunks in flight at the stop count, and so does the time they take.
    const hashrate = (1000 * hashes) / (performance.now() - begin);
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
      wasmMemoryMb: Math.round(engine.memoryBytes / 2 ** 20),
    };
  } finally {
    engine.release();
  }
}
