// Which mode the WebAssembly engine mines in when librandomx does not load, and what the host says about it.
import { fullEngineMemoryBytes } from '@rxmesh/wasm';
import { describe, expect, it } from 'vitest';
import { wasmFallback } from './engines.js';

const MIB = 2 ** 20;

describe('the WebAssembly fallback of a host without librandomx', () => {
  it('mines in full mode when asked and the memory is there', () => {
    const { mode, instead } = wasmFallback('full', 2, fullEngineMemoryBytes(2) + 1024 * MIB);
    expect(mode).toBe('full');
    expect(instead).toContain('full mode');
  });

  it('mines in light mode, naming both figures, when full mode needs more memory than is available', () => {
    const available = fullEngineMemoryBytes(2) - 100 * MIB;
    const { mode, instead } = wasmFallback('full', 2, available);
    expect(mode).toBe('light');
    expect(instead).toContain(`${Math.round(available / MIB)} MiB available`);
    expect(instead).toMatch(/full mode needs \d+ MiB/);
    // The need grows with the threads' VMs: enough for 2 threads is not enough for 8.
    const forTwo = fullEngineMemoryBytes(2) + 522 * MIB;
    expect(wasmFallback('full', 2, forTwo).mode).toBe('full');
    expect(wasmFallback('full', 8, forTwo).mode).toBe('light');
  });

  it('stays in light mode when light mode was asked for', () => {
    expect(wasmFallback('light', 2, 64 * 1024 * MIB).mode).toBe('light');
  });
});
