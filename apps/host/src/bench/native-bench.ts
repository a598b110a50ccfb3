// Hashrate of the native engine (librandomx) in full or light mode on N native threads, with the event loop
// watched while they hash: a dataset host must stay responsive to its peers.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BENCHMARK_KEY_TEXT } from '@rxmesh/core';
import { mineBenchmarkFor } from '@rxmesh/mesh';
import { type EngineMode, NativeEngine } from '@rxmesh/native';
import { type BenchResult, peakRssMb, percentSteps } from './bench-result.js';

/** Mines the benchmark blob on all the engine's threads for `seconds`, watching the event loop meanwhile. */
export async function mineForSeconds(
  engine: NativeEngine,
  seconds: number,
): Promise<{ hashes: number; hashrate: number; eventLoopLagMaxMs: number }> {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  try {
    return { ...(await mineBenchmarkFor(engine, seconds)), eventLoopLagMaxMs: Math.round(lag.max / 1e5) / 10 };
  } finally {
    lag.disable();
  }
}

export async function benchNative(
  mode: EngineMode,
  threads: number,
  seconds: number,
  onProgress: (message: string) => void,
  threadNice?: number,
): Promise<BenchResult> {
  const engine = NativeEngine.create({ mode, threads, ...(threadNice === undefined ? {} : { threadNice }) });
  try {
    const ready = await engine.setKey(
      new TextEncoder().encode(BENCHMARK_KEY_TEXT),
      percentSteps('dataset init', 10, onProgress),
    );
    const pages = ready.cacheLargePages || ready.datasetLargePages ? 'large pages' : 'ordinary pages';
    onProgress(
      `${mode} mode ready (${pages}): cache ${Math.round(ready.cacheInitMs)} ms` +
        (ready.datasetInitMs === null ? '' : `, dataset ${Math.round(ready.datasetInitMs)} ms`) +
        `; hashing on ${threads} thread(s) for ${seconds} s`,
    );
    const { hashes, hashrate, eventLoopLagMaxMs } = await mineForSeconds(engine, seconds);
    return {
      impl: 'native',
      mode,
      threads,
      seconds,
      hashes,
      hashrate,
      cacheInitMs: Math.round(ready.cacheInitMs),
      datasetInitMs: ready.datasetInitMs === null ? null : Math.round(ready.datasetInitMs),
      peakRssMb: peakRssMb(),
      eventLoopLagMaxMs,
    };
  } finally {
    engine.release();
  }
}
