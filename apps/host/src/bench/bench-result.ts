// What `rxmesh bench --json` prints, for every engine.

export interface BenchResult {
  impl: 'wasm' | 'native';
  mode: 'light' | 'full';
  threads: number;
  seconds: number;
  hashes: number;
  hashrate: number;
  cacheInitMs: number;
  datasetInitMs: number | null;
  peakRssMb: number;
  /** Size of the shared WebAssembly memory: the cache plus every thread's VM (WebAssembly engine only). */
  wasmMemoryMb?: number;
  /** The longest event-loop delay while the threads hashed (native engine only). */
  eventLoopLagMaxMs?: number;
}

/** Peak resident memory of this process so far. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
