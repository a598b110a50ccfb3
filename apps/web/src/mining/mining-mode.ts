// How this page mines, which the browser decides: threads that share one WebAssembly memory where it isolates the
// page (https, or localhost, with the server's COOP and COEP headers), else one worker with a memory of its own (a
// page on plain http from another computer is not a secure context, and browsers never isolate it).
import { canShareMemory, engineMemoryBytes, engineMemoryPeakBytes, soloEngineMemoryBytes } from '@rxmesh/wasm';

export interface MiningMode {
  /** True: the chosen threads share one memory (WasmEngine). False: one worker with its own (SoloEngine). */
  sharedMemory: boolean;
  /** Whether the page is a secure context: when it is not, plain http is why its memory cannot be shared. */
  secureContext: boolean;
}

export function pageMiningMode(): MiningMode {
  return { sharedMemory: canShareMemory(), secureContext: globalThis.isSecureContext === true };
}

/** The threads that mine when the contributor chose `threads`. */
export function miningThreads(mode: MiningMode, threads: number): number {
  return mode.sharedMemory ? threads : 1;
}

/** The memory mining takes, and the most it grows to when the RandomX key is about to change. */
export function miningMemoryBytes(mode: MiningMode, threads: number): { steady: number; peak: number } {
  if (!mode.sharedMemory) {
    // The one worker builds every key in place: it never holds a second cache.
    return { steady: soloEngineMemoryBytes(), peak: soloEngineMemoryBytes() };
  }
  return { steady: engineMemoryBytes(threads), peak: engineMemoryPeakBytes(threads) };
}
