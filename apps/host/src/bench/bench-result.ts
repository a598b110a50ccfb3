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

/** A progress listener that reports `label N%` each time N has grown by `step` points: one line per step. */
export function percentSteps(
  label: string,
  step: number,
  onProgress: (message: string) => void,
): (done: number, total: number) => void {
  let reported = -step;
  return (done, total) => {
    const percent = Math.floor((100 * done) / total);
    if (percent < reported + step) return;
    reported = percent;
    onProgress(`${label} ${percent}%`);
  };
}
