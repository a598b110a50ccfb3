// How this page mines, which the browser decides: threads that share one WebAssembly memory where it isolates the
// page (https, or localhost, with the server's COOP and COEP headers), else one worker with a memory of its own (a
// page on plain http from another computer is not a secure context, and browsers never isolate it).
import {
  canShareMemory,
  engineMemoryBytes,
  engineMemoryPeakBytes,
  fullEngineMemoryBytes,
  soloEngineMemoryBytes,
} from '@rxmesh/wasm';

export interface MiningMode {
  /** True: the chosen threads share one memory (WasmEngine). False: one worker with its own (SoloEngine). */
  sharedMemory: boolean;
  /** Whether the page is a secure context: when it is not, plain http is why its memory cannot be shared. */
  secureContext: boolean;
}

export function pageMiningMode(): MiningMode {
  return { sharedMemory: canShareMemory(), secureContext: globalThis.isSecureContext === true };
}

/**
 * What the page quotes for full mode before anything runs, measured on the 2-core development machine
 * (BENCHMARKS.md, "Full mode"): the dataset took 30.8 s on 2 threads, about 62 thread-seconds, and 2 threads mined
 * 1.7 times as fast as in light mode. Estimates for any other device, and the page says so.
 */
export const FULL_MODE_ESTIMATE = { buildThreadSeconds: 62, speedUp: 1.7 } as const;

/** Devices that report less memory than this are not offered full mode (Chromium reports at most 8 GiB). */
export const FULL_MODE_DEVICE_GIB = 8;

/**
 * Whether the page offers full mode at all: its threads share one memory, and the device does not report less
 * memory than FULL_MODE_DEVICE_GIB (`navigator.deviceMemory`, where the browser has it). A trial allocation, when
 * the contributor turns it on, has the last word.
 */
export function offersFullMode(mode: MiningMode, deviceMemoryGib: number | undefined): boolean {
  return mode.sharedMemory && (deviceMemoryGib === undefined || deviceMemoryGib >= FULL_MODE_DEVICE_GIB);
}

/** The threads that mine when the contributor chose `threads`. */
export function miningThreads(mode: MiningMode, threads: number): number {
  return mode.sharedMemory ? threads : 1;
}

/**
 * The memory mining takes, and the most it grows to when the RandomX key is about to change. In full mode the
 * dataset is rebuilt in place at a key change, so the two are the same.
 */
export function miningMemoryBytes(
  mode: MiningMode,
  threads: number,
  fullMode = false,
): { steady: number; peak: number } {
  if (fullMode && mode.sharedMemory)
    return { steady: fullEngineMemoryBytes(threads), peak: fullEngineMemoryBytes(threads) };
  if (!mode.sharedMemory) {
    // The one worker builds every key in place: it never holds a second cache.
    return { steady: soloEngineMemoryBytes(), peak: soloEngineMemoryBytes() };
  }
  return { steady: engineMemoryBytes(threads), peak: engineMemoryPeakBytes(threads) };
}
