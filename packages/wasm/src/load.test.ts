// The feature check a page runs before it offers to mine: each missing feature found, with a sentence that says
// what is missing and what to do. Node has them all (but Web Workers), so the others are hidden one at a time.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { engineMemoryBytes } from './engine/wasm-engine.js';
import { compileCore, missingFeatures } from './load.js';

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

  it('blames a page without cross-origin isolation for the missing SharedArrayBuffer, and names the fix', () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    vi.stubGlobal('crossOriginIsolated', false);
    const missing = missingFeatures({ memoryBytes: 2 ** 20 });
    expect(missing.map(({ feature }) => feature)).toEqual(['cross-origin-isolation']);
    expect(missing[0]?.message).toMatch(/not cross-origin isolated.*reload it.*Cross-Origin-Opener-Policy/);
  });

  it('says when shared memory is missing from a browser that is isolated or does not know isolation', () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    expect(features()).toEqual(['shared-array-buffer']);
    vi.stubGlobal('crossOriginIsolated', true);
    expect(features()).toEqual(['shared-array-buffer']);
  });

  it('says when WebAssembly memory cannot be shared between threads', () => {
    const unshared = class {
      constructor(descriptor: WebAssembly.MemoryDescriptor) {
        if (descriptor.shared) throw new TypeError('shared memory is not supported');
      }
    };
    vi.stubGlobal('WebAssembly', webAssemblyWith('Memory', unshared));
    const missing = missingFeatures({ memoryBytes: 2 ** 20 });
    expect(missing.map(({ feature }) => feature)).toEqual(['threads']);
    expect(missing[0]?.message).toMatch(/cannot share its memory between threads/);
  });

  it('says when the memory cannot be had, and how much was asked', () => {
    // Beyond the 1 GiB that the core's memory may grow to, so no machine can give it.
    const missing = missingFeatures({ memoryBytes: 2 ** 31 });
    expect(missing.map(({ feature }) => feature)).toEqual(['memory']);
    expect(missing[0]?.message).toMatch(/could not set aside the 2048 MiB .* Close other tabs .* fewer threads/);
  });

  it('makes compileCore fail with the same sentences', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    await expect(compileCore()).rejects.toThrow(/no shared memory \(SharedArrayBuffer\), which mining needs/);
  });
});
