// The feature check a page runs before it offers to mine: each missing feature found, with a sentence that says
// what is missing and what to do, and which engine the page gets. Node has them all (but Web Workers), so the
// others are hidden one at a time.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { soloEngineMemoryBytes } from './engine/solo-engine.js';
import { engineMemoryBytes, fullEngineMemoryBytes } from './engine/wasm-engine.js';
import { canShareMemory, compileCore, missingFeatures } from './load.js';

const features = (needs?: Parameters<typeof missingFeatures>[0]) =>
  missingFeatures(needs).map((missing) => missing.feature);

/** WebAssembly as it is, but for one property. */
function webAssemblyWith(property: string, value: unknown): typeof WebAssembly {
  return Object.create(WebAssembly, { [property]: { value } });
}

describe('missingFeatures', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('finds nothing missing in Node for the core, nor for an engine of 2 threads', () => {
    expect(missingFeatures()).toEqual([]);
    vi.stubGlobal('Worker', class {});
    expect(missingFeatures({ workers: true, memoryBytes: engineMemoryBytes(2) })).toEqual([]);
    // Full mode's trial: a memory past light mode's 1 GiB maximum, as a full-mode engine makes it.
    expect(missingFeatures({ workers: true, memoryBytes: fullEngineMemoryBytes(2) })).toEqual([]);
  });

  it('says when there are no Web Workers, only when asked', () => {
    expect(features()).toEqual([]);
    const [missing] = missingFeatures({ workers: true });
    expect(missing?.feature).toBe('workers');
    expect(missing?.message).toMatch(/cannot run Web Workers.*use a current version of/);
  });

  it('says when WebAssembly is missing, and checks nothing that needs it', () => {
    vi.stubGlobal('WebAssembly', undefined);
    const missing = missingFeatures({ memoryBytes: 2 ** 20 });
    expect(missing.map(({ feature }) => feature)).toEqual(['webassembly']);
    expect(missing[0]?.message).toMatch(/cannot run WebAssembly, or it is turned off\. Turn it on, or use/);
  });

  it('says when WebAssembly has no SIMD', () => {
    vi.stubGlobal(
      'WebAssembly',
      webAssemblyWith('validate', () => false),
    );
    const missing = missingFeatures();
    expect(missing.map(({ feature }) => feature)).toEqual(['simd']);
    expect(missing[0]?.message).toMatch(/no SIMD .* instructions/);
  });

  it('lets a page that may not share memory mine on one worker, and checks a memory of its own for it', () => {
    expect(canShareMemory()).toBe(true);
    // Browsers withhold SharedArrayBuffer, and with it shared WebAssembly memory, from pages not isolated.
    const ownMemoryOnly = class extends WebAssembly.Memory {
      constructor(descriptor: WebAssembly.MemoryDescriptor) {
        if (descriptor.shared) throw new TypeError('shared memory is not supported');
        super(descriptor);
      }
    };
    vi.stubGlobal('WebAssembly', webAssemblyWith('Memory', ownMemoryOnly));
    expect(canShareMemory()).toBe(false);
    expect(missingFeatures({ memoryBytes: soloEngineMemoryBytes() })).toEqual([]);
    vi.stubGlobal('SharedArrayBuffer', undefined);
    expect(canShareMemory()).toBe(false);
    expect(missingFeatures({ memoryBytes: 2 ** 20 })).toEqual([]);
  });

  it('says when the memory cannot be had, and how much was asked', () => {
    // Beyond the 4 GiB that a 32-bit memory addresses, so no machine can give it.
    const missing = missingFeatures({ memoryBytes: 2 ** 32 + 2 ** 20 });
    expect(missing.map(({ feature }) => feature)).toEqual(['memory']);
    expect(missing[0]?.message).toMatch(/could not set aside the 4097 MiB .* Close other tabs .* fewer threads/);
  });

  it('makes compileCore fail with the same sentences, and refuse a shared build where memory is not shared', async () => {
    vi.stubGlobal(
      'WebAssembly',
      webAssemblyWith('validate', () => false),
    );
    await expect(compileCore({ sharedMemory: false })).rejects.toThrow(/no SIMD .* instructions/);
    vi.unstubAllGlobals();
    vi.stubGlobal('SharedArrayBuffer', undefined);
    await expect(compileCore()).rejects.toThrow(/may not share memory between threads .* mine with SoloEngine/);
    expect(WebAssembly.Module.imports(await compileCore({ sharedMemory: false }))).toContainEqual({
      module: 'env',
      name: 'memory',
      kind: 'memory',
    });
  });
});
